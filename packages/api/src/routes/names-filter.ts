// `?names=a.service,b.service` on the unit and state listings: only those units (names that
// match nothing match nothing). Not part of fleet's v1 API: fleet ignores it and lists
// everything, so a client that sends it still filters what comes back. It lets fleetctl read N
// units of a large cluster in one page instead of walking every page of the listing.

/**
 * The `names` filter of a listing query: `undefined` when absent or empty. Repeated parameters
 * add up (`?names=a&names=b` is `?names=a,b`), as most HTTP clients send a list.
 */
export function namesFilter(query: URLSearchParams): ReadonlySet<string> | undefined {
  const names = query
    .getAll('names')
    .flatMap((v) => v.split(','))
    .filter((n) => n !== '');
  return names.length === 0 ? undefined : new Set(names);
}
