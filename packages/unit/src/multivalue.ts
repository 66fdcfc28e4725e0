// [X-Fleet] values may hold several items: MachineMetadata="region=us" "disk=ssd".

const WHITESPACE = /\s/;

/**
 * Splits an `[X-Fleet]` value into items. A value that begins and ends with `"` is a list
 * of quoted items separated by whitespace (quotes are removed, whitespace inside quotes is
 * kept, empty items are dropped); any other value is one item, or none if it is empty.
 */
export function splitMultiValue(value: string): string[] {
  if (!(value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) {
    return value === '' ? [] : [value];
  }
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && WHITESPACE.test(char)) {
      if (current !== '') items.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') items.push(current);
  return items;
}
