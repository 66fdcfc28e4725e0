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
      readonly ranges: readonly number[];
    };

export const SLASH = 0x2f;

/** Code points fit in 21 bits: a range sorts as one number, `lo * 2^21 + hi` (exact in a double). */
const SHIFT = 0x200000;

/** UTF-16 units a code point takes. */
const width = (cp: number) => (cp > 0xffff ? 2 : 1);

/**
 * The class character at string index `i` of `p` (after its backslash if escaped): its code point,
 * or -1 if it is missing or an unescaped `-` or `]`. {@link classCharEnd} is the index after it.
 */
function classCharAt(p: string, i: number): number {
  let cp = p.charCodeAt(i);
  if (Number.isNaN(cp) || cp === 0x2d /* - */ || cp === 0x5d /* ] */) return -1;
  if (cp === 0x5c /* \\ */) {
    cp = p.charCodeAt(i + 1);
    if (Number.isNaN(cp)) return -1;
    i++;
  }
  return cp >= 0xd800 && cp <= 0xdbff ? (p.codePointAt(i) ?? cp) : cp;
}

/** The string index after the class character at `i` whose code point is `cp`. */
const classCharEnd = (p: string, i: number, cp: number) =>
  i + (p.charCodeAt(i) === 0x5c ? 1 : 0) + width(cp);

/**
 * Parses `[...]` starting after the `[` at string index `start`; `undefined` if malformed. This
 * runs once per character of every class compiled, so it reads the pattern once, into an array
 * sized for the worst case. A class is usually written in order: only otherwise are its ranges
 * sorted and merged.
 */
function compileClass(p: string, start: number): [Token, number] | undefined {
  const negated = p.charCodeAt(start) === 0x5e; /* ^ */
  let i = negated ? start + 1 : start;
  const flat = new Array<number>(2 * (p.length - i));
  let k = 0;
  let ready = true; // sorted, disjoint, non-adjacent, none empty
  let lastHi = -2;
  for (;;) {
    if (p.charCodeAt(i) === 0x5d /* ] */ && k > 0) break;
    const lo = classCharAt(p, i);
    if (lo < 0) return undefined;
    i = classCharEnd(p, i, lo);
    let hi = lo;
    if (p.charCodeAt(i) === 0x2d /* - */) {
      hi = classCharAt(p, i + 1);
      if (hi < 0) return undefined;
      i = classCharEnd(p, i + 1, hi);
    }
    if (lo > hi || lo <= lastHi + 1) ready = false;
    lastHi = hi;
    flat[k++] = lo;
    flat[k++] = hi;
  }
  flat.length = k;
  return [{ kind: 'class', negated, ranges: ready ? flat : mergeRanges(flat) }, i + 1];
}

/**
 * The same set of characters as sorted, disjoint, non-adjacent ranges (for binary search), flat,
 * empty ranges dropped. Sorted natively as numbers, with no comparator: a hostile class costs a
 * typed-array sort.
 */
function mergeRanges(flat: readonly number[]): number[] {
  const n = flat.length >>> 1;
  const keys = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const lo = flat[2 * i] ?? 0;
    const hi = flat[2 * i + 1] ?? 0;
    if (lo <= hi) keys[m++] = lo * SHIFT + hi;
  }
  const sorted = keys.subarray(0, m).sort();
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    const key = sorted[i] ?? 0;
    const lo = Math.floor(key / SHIFT);
    const hi = key - lo * SHIFT;
    const last = out.length - 1;
    if (last > 0 && lo <= (out[last] ?? 0) + 1) out[last] = Math.max(out[last] ?? 0, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** Whether `cp` is in the sorted, disjoint flat ranges; adds the search's steps to `work`. */
function inRanges(ranges: readonly number[], cp: number, work?: GlobWork): boolean {
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
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const cp = pattern.codePointAt(i) ?? 0;
    if (cp === 0x2a /* * */) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (cp === 0x3f /* ? */) {
      tokens.push({ kind: 'any' });
      i++;
    } else if (cp === 0x5b /* [ */) {
      const parsed = compileClass(pattern, i + 1);
      if (parsed === undefined) return undefined;
      tokens.push(parsed[0]);
      i = parsed[1];
    } else if (cp === 0x5c /* \ */) {
      const escaped = pattern.codePointAt(i + 1);
      if (escaped === undefined) return undefined;
      tokens.push({ kind: 'char', char: escaped });
      i += 1 + width(escaped);
    } else {
      tokens.push({ kind: 'char', char: cp });
      i += width(cp);
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
