// Whitespace exactly as Go's unicode.IsSpace sees it. fleet trims names and values with
// Go's strings.TrimSpace, and the unit hash covers the trimmed values, so JavaScript's
// String.prototype.trim (which also strips U+FEFF but not U+0085) would change hashes.

/** Whether the UTF-16 code unit `c` is a space for Go's `unicode.IsSpace`. */
export function isGoSpace(c: number): boolean {
  if (c <= 0xff) {
    return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0;
  }
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** `s` without leading Go whitespace. */
export function goTrimStart(s: string): string {
  let start = 0;
  while (start < s.length && isGoSpace(s.charCodeAt(start))) start++;
  return s.slice(start);
}

/** `s` without leading or trailing Go whitespace, like Go's `strings.TrimSpace`. */
export function goTrim(s: string): string {
  let end = s.length;
  while (end > 0 && isGoSpace(s.charCodeAt(end - 1))) end--;
  let start = 0;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  return s.slice(start, end);
}
