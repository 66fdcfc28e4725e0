// The one string order of fleet's sorted lists (metadata keys, unit names, machine IDs, keys).

/**
 * Compares two strings by UTF-16 code unit, as `<` does: locale-independent and the same on
 * every machine (never `localeCompare`). That is byte (UTF-8) order, the order of etcd's keys
 * and of fleet's Go `sort.Strings`, for every string without characters above U+FFFF: all of
 * ASCII, which unit names, machine IDs and registry keys are.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
