// Glob syntax (Go's path.Match): the pattern as tokens, one-character matching, and the general
// dynamic-programme matcher. glob.ts builds the fast matcher on top.

export type Token =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'char'; readonly char: number }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      /** Sorted, disjoint, non-adjacent ranges, flat: `[lo0, hi0, lo1, hi1, ...]`. */
      readonly ranges: Int32Array;
    };

export const SLASH = 0x2f;

/**
 * How many code points the class character at `i` takes (1, or 2 when `\`-escaped); 0 if it is
 * malformed (missing, or an unescaped `-` or `]`). Its value is `cps[i + width - 1]`.
 */
function classCharWidth(cps: readonly number[], i: number): number {
  const cp = cps[i];
  if (cp === undefined || cp === 0x2d /* - */ || cp === 0x5d /* ] */) return 0;
  if (cp === 0x5c /* \ */) return cps[i + 1] === undefined ? 0 : 2;
  return 1;
}

/** Parses `[...]` starting after the `[` at `i`; `undefined` if malformed. */
function compileClass(cps: readonly number[], start: number): [Token, number] | undefined {
  let i = start;
  const negated = cps[i] === 0x5e; /* ^ */
  if (negated) i++;
  // Flat [lo, hi] pairs. A class is usually written in order: only sort when it is not.
  const flat: number[] = [];
  let ordered = true;
  let lastHi = -2; // of the last non-empty range
  let empty = false;
  for (;;) {
    if (cps[i] === 0x5d && flat.length > 0) {
      const ranges = ordered && !empty ? Int32Array.from(flat) : mergeRanges(flat, ordered);
      return [{ kind: 'class', negated, ranges }, i + 1];
    }
    const w = classCharWidth(cps, i);
    if (w === 0) return undefined;
    const lo = cps[i + w - 1] ?? 0;
    i += w;
    let hi = lo;
    if (cps[i] === 0x2d) {
      const we = classCharWidth(cps, i + 1);
      if (we === 0) return undefined;
      hi = cps[i + we] ?? 0;
      i += 1 + we;
    }
    // Only non-empty ranges count for the order (empty ones are dropped below).
    if (lo > hi) empty = true;
    else {
      if (lo <= lastHi + 1) ordered = false;
      lastHi = hi;
    }
    flat.push(lo, hi);
  }
}

/** Code points fit in 21 bits: a range sorts as one number, `lo * 2^21 + hi` (exact in a double). */
const SHIFT = 0x200000;

/**
 * The same set of characters as sorted, disjoint, non-adjacent ranges (for binary search), flat.
 * `ordered` says the non-empty ranges already are (then they are only copied); otherwise they are
 * sorted natively as numbers, with no comparator (a hostile class costs a typed-array sort).
 */
function mergeRanges(flat: readonly number[], ordered: boolean): Int32Array {
  const n = flat.length >>> 1;
  let out: Int32Array;
  let k = 0;
  if (ordered) {
    out = new Int32Array(flat.length);
    for (let i = 0; i < n; i++) {
      const lo = flat[2 * i] ?? 0;
      const hi = flat[2 * i + 1] ?? 0;
      if (lo > hi) continue;
      out[k++] = lo;
      out[k++] = hi;
    }
    return k === out.length ? out : out.slice(0, k);
  }
  const keys = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const lo = flat[2 * i] ?? 0;
    const hi = flat[2 * i + 1] ?? 0;
    if (lo <= hi) keys[m++] = lo * SHIFT + hi;
  }
  const sorted = keys.subarray(0, m).sort();
  out = new Int32Array(2 * m);
  for (let i = 0; i < m; i++) {
    const key = sorted[i] ?? 0;
    const lo = Math.floor(key / SHIFT);
    const hi = key - lo * SHIFT;
    if (k > 0 && lo <= (out[k - 1] ?? 0) + 1) out[k - 1] = Math.max(out[k - 1] ?? 0, hi);
    else {
      out[k++] = lo;
      out[k++] = hi;
    }
  }
  return k === out.length ? out : out.slice(0, k);
}

/** Whether `cp` is in the sorted, disjoint flat ranges; adds the search's steps to `work`. */
function inRanges(ranges: Int32Array, cp: number, work?: GlobWork): boolean {
  let lo = 0;
  let hi = (ranges.length >>> 1) - 1;
  while (lo <= hi) {
    if (work !== undefined) work.steps++;
    const mid = (lo + hi) >>> 1;
    if (cp < (ranges[2 * mid] ?? 0)) hi = mid - 1;
    else if (cp > (ranges[2 * mid + 1] ?? 0)) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The tokens of a glob, or `undefined` if the pattern is malformed. */
export function compile(pattern: string): Token[] | undefined {
  const cps = codePoints(pattern);
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

export function matchesOne(token: Token, cp: number, work?: GlobWork): boolean {
  switch (token.kind) {
    case 'any':
      return cp !== SLASH;
    case 'char':
      return cp === token.char;
    case 'class':
      return inRanges(token.ranges, cp, work) !== token.negated;
    case 'star':
      return false;
  }
}

/**
 * A deterministic measure of matching work, for tests and benchmarks (no clocks): one step per
 * quick check, per name character read, per segment step and per class range tried.
 */
export interface GlobWork {
  steps: number;
}

/**
 * The same tokens with every run of `*` and `?` rewritten as its `?`s then one `*` (`*?*?` is
 * `??*`): both skip any character but `/`, so the run matches the same names, and a `*` is never
 * next to another one.
 */
export function normalize(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === undefined) break;
    if (t.kind !== 'star' && t.kind !== 'any') {
      out.push(t);
      i++;
      continue;
    }
    let anys = 0;
    let star = false;
    for (; i < tokens.length; i++) {
      const k = tokens[i]?.kind;
      if (k === 'any') anys++;
      else if (k === 'star') star = true;
      else break;
    }
    for (let a = 0; a < anys; a++) out.push({ kind: 'any' });
    if (star) out.push({ kind: 'star' });
  }
  return out;
}

/** The code points of `s` (what `?` and classes match one of). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i) ?? 0;
    out.push(c);
    if (c > 0xffff) i++;
  }
  return out;
}

/** The general matcher: `next[j]` is whether tokens[t+1..] match chars[j..], token by token. */
export function dpMatch(
  tokens: readonly Token[],
  chars: readonly number[],
  work: GlobWork,
): boolean {
  let next: boolean[] = chars.map(() => false).concat(true);
  for (let t = tokens.length - 1; t >= 0; t--) {
    const token = tokens[t];
    if (token === undefined) continue;
    const current: boolean[] = new Array<boolean>(chars.length + 1).fill(false);
    for (let j = chars.length; j >= 0; j--) {
      work.steps++;
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
