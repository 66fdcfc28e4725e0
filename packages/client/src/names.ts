// Listings of some units by name: `?names=a,b` (fleet-ts' API; fleet's ignores it and lists
// everything), in pieces that keep each request line short, with the answer filtered here too.

/** Characters of names (URL-encoded, with their commas) in one request. */
export const NAMES_PER_REQUEST_CHARS = 2_000;

/** `names` (duplicates dropped) cut into `?names=` values of at most `max` characters each. */
export function namesQueries(names: readonly string[], max = NAMES_PER_REQUEST_CHARS): string[] {
  const out: string[] = [];
  let current = '';
  for (const name of new Set(names)) {
    const encoded = encodeURIComponent(name);
    if (current !== '' && current.length + 1 + encoded.length > max) {
      out.push(current);
      current = '';
    }
    current = current === '' ? encoded : `${current},${encoded}`;
  }
  if (current !== '') out.push(current);
  return out;
}

/** Orders strings by UTF-16 code units, as the server sorts names. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
