// Glob matching with Go's path.Match semantics, which fleet uses for Conflicts= and
// Replaces=. Written as: compile the pattern (rejecting malformed ones), then match.

type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly char: number }
  | { readonly kind: 'class'; readonly negated: boolean; readonly ranges: readonly Range[] };

interface Range {
  readonly lo: number;
  readonly hi: number;
}

const SLASH = 0x2f;

/** Reads one class character (possibly `\`-escaped) at `i`; `undefined` if malformed. */
function classChar(cps: readonly number[], i: number): [number, number] | undefined {
  let cp = cps[i];
  if (cp === undefined || cp === 0x2d /* - */ || cp === 0x5d /* ] */) return undefined;
  if (cp === 0x5c /* \ */) {
    cp = cps[i + 1];
    if (cp === undefined) return undefined;
    return [cp, i + 2];
  }
  return [cp, i + 1];
}

/** Parses `[...]` starting after the `[` at `i`; `undefined` if malformed. */
function compileClass(cps: readonly number[], start: number): [Token, number] | undefined {
  let i = start;
  const negated = cps[i] === 0x5e; /* ^ */
  if (negated) i++;
  const ranges: Range[] = [];
  for (;;) {
    if (cps[i] === 0x5d && ranges.length > 0) {
      return [{ kind: 'class', negated, ranges }, i + 1];
    }
    const lo = classChar(cps, i);
    if (lo === undefined) return undefined;
    i = lo[1];
    let hi = lo[0];
    if (cps[i] === 0x2d) {
      const end = classChar(cps, i + 1);
      if (end === undefined) return undefined;
      hi = end[0];
      i = end[1];
    }
    ranges.push({ lo: lo[0], hi });
  }
}

/** The tokens of a glob, or `undefined` if the pattern is malformed. */
function compile(pattern: string): Token[] | undefined {
  const cps = Array.from(pattern, (c) => c.codePointAt(0) ?? 0);
  const tokens: Token[] = [];
  let i = 0;
  while (i < cps.length) {
    const cp = cps[i] ?? 0;
    if (cp === 0x2a /* * */) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (cp === 0x3f /* ? */) {
      tokens.push({ kind: 'any' });
      i++;
    } else if (cp === 0x5b /* [ */) {
      const parsed = compileClass(cps, i + 1);
      if (parsed === undefined) return undefined;
      tokens.push(parsed[0]);
      i = parsed[1];
    } else if (cp === 0x5c /* \ */) {
      const escaped = cps[i + 1];
      if (escaped === undefined) return undefined;
      tokens.push({ kind: 'char', char: escaped });
      i += 2;
    } else {
      tokens.push({ kind: 'char', char: cp });
      i++;
    }
  }
  return tokens;
}

function matchesOne(token: Token, cp: number): boolean {
  switch (token.kind) {
    case 'any':
      return cp !== SLASH;
    case 'char':
      return cp === token.char;
    case 'class':
      return token.ranges.some((r) => r.lo <= cp && cp <= r.hi) !== token.negated;
    case 'star':
      return false;
  }
}

/**
 * Whether `name` matches the glob `pattern`, with Go `path.Match` semantics: `*` matches
 * any run of characters except `/`, `?` any one character except `/`, `[...]` a class
 * (`[^...]` negated, ranges `a-z`, `\` escapes) and `\c` the character `c`. The whole name
 * must match. A malformed pattern (e.g. `[a`, `[]`, a trailing `\`) matches nothing.
 */
export function matchGlob(pattern: string, name: string): boolean {
  const tokens = compile(pattern);
  if (tokens === undefined) return false;
  const chars = Array.from(name, (c) => c.codePointAt(0) ?? 0);
  // next[j]: do tokens[t+1..] match chars[j..]? Filled from the last token backwards.
  let next: boolean[] = chars.map(() => false).concat(true);
  for (let t = tokens.length - 1; t >= 0; t--) {
    const token = tokens[t];
    if (token === undefined) continue;
    const current: boolean[] = new Array<boolean>(chars.length + 1).fill(false);
    for (let j = chars.length; j >= 0; j--) {
      const char = chars[j];
      if (token.kind === 'star') {
        current[j] =
          (next[j] ?? false) || (char !== undefined && char !== SLASH && (current[j + 1] ?? false));
      } else {
        current[j] = char !== undefined && matchesOne(token, char) && (next[j + 1] ?? false);
      }
    }
    next = current;
  }
  return next[0] ?? false;
}
