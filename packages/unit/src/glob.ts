// Glob matching with Go's path.Match semantics, which fleet uses for Conflicts= and
// Replaces=. Written as: compile the pattern once (rejecting malformed ones), then match many
// names cheaply. The engine weighs every unit's globs against other units' names on every pass,
// so the cost of one match must not grow with the glob's length: see CompiledGlob.
import {
  codePoints,
  compile,
  dpMatch,
  matchesOne,
  normalize,
  SLASH,
  type GlobWork,
  type Token,
} from './glob-tokens.js';

export { codePoints, type GlobWork } from './glob-tokens.js';

/** A run of one-character tokens between stars, with per-character match masks. */
class Segment {
  /** Bit `i` of `masks.get(c)` is set when token `i` matches character `c`. */
  private readonly masks = new Map<number, Uint32Array>();
  /** The same for a segment of up to 32 tokens (nearly all): one number, no array to allocate. */
  private readonly bitsOf = new Map<number, number>();
  private asciiBits: (number | undefined)[] | undefined;
  readonly words: number;

  constructor(readonly tokens: readonly Token[]) {
    this.words = Math.ceil(tokens.length / 32);
  }

  get length(): number {
    return this.tokens.length;
  }

  /** `mask(c)[0]`, for a segment of at most 32 tokens. */
  bits(c: number, work: GlobWork): number {
    // Unit names are mostly ASCII: their masks are an array index away, not a map look-up.
    const known = c >= 0 && c < 128 ? this.asciiBits?.[c] : this.bitsOf.get(c);
    if (known !== undefined) return known;
    let m = 0;
    for (let i = 0; i < this.tokens.length; i++) {
      work.steps++;
      const t = this.tokens[i];
      if (t !== undefined && matchesOne(t, c, work)) m |= 1 << i;
    }
    if (c >= 0 && c < 128) (this.asciiBits ??= new Array<number>(128))[c] = m;
    else {
      // A name's alphabet is small; a hostile one cannot grow this without bound.
      if (this.bitsOf.size >= 256) this.bitsOf.clear();
      this.bitsOf.set(c, m);
    }
    return m;
  }

  mask(c: number, work: GlobWork): Uint32Array {
    let m = this.masks.get(c);
    if (m !== undefined) return m;
    m = new Uint32Array(this.words);
    this.tokens.forEach((t, i) => {
      work.steps++;
      if (matchesOne(t, c, work)) m[i >>> 5] = (m[i >>> 5] ?? 0) | (1 << (i & 31));
    });
    // A name's alphabet is small; a hostile one cannot grow this without bound.
    if (this.masks.size >= 256) this.masks.clear();
    this.masks.set(c, m);
    return m;
  }

  /** Whether tokens `[from, to)` of the segment match `chars` from `at + from` on. */
  matchesAt(
    chars: readonly number[],
    at: number,
    work: GlobWork,
    from = 0,
    to = this.tokens.length,
  ): boolean {
    if (this.words === 1) {
      for (let i = from; i < to; i++) {
        work.steps++;
        if ((this.bits(chars[at + i] ?? -1, work) & (1 << i)) === 0) return false;
      }
      return true;
    }
    for (let i = from; i < to; i++) {
      work.steps++;
      const m = this.mask(chars[at + i] ?? -1, work);
      if (((m[i >>> 5] ?? 0) & (1 << (i & 31))) === 0) return false;
    }
    return true;
  }

  /**
   * The leftmost `s` in `[from, end - length]` where the segment matches, or -1: shift-and over the
   * characters (one step per 32 tokens per character), never a retry per start position.
   */
  find(chars: readonly number[], from: number, end: number, work: GlobWork): number {
    const top = this.tokens.length - 1;
    if (this.words === 1) {
      // Up to 32 tokens (nearly always): the state fits in one number.
      const hit = 1 << top;
      let d = 0;
      for (let j = from; j < end; j++) {
        work.steps++;
        d = ((d << 1) | 1) & this.bits(chars[j] ?? -1, work);
        if ((d & hit) !== 0) return j - top;
      }
      return -1;
    }
    const state = new Uint32Array(this.words);
    for (let j = from; j < end; j++) {
      const m = this.mask(chars[j] ?? -1, work);
      let carry = 1;
      for (let w = 0; w < this.words; w++) {
        work.steps++;
        const v = state[w] ?? 0;
        state[w] = ((v << 1) | carry) & (m[w] ?? 0);
        carry = v >>> 31;
      }
      if (((state[top >>> 5] ?? 0) & (1 << (top & 31))) !== 0) return j - top;
    }
    return -1;
  }
}

/** The literal characters a token list starts with. */
function literal(tokens: readonly Token[]): string {
  let s = '';
  for (const t of tokens) {
    if (t.kind !== 'char') break;
    s += String.fromCodePoint(t.char);
  }
  return s;
}

/**
 * A glob compiled once for matching many names. The cost of a match is bounded by the name, not
 * the glob: a quick check (length, literal prefix and suffix) rejects most names in a step; then
 * the pattern is one anchored segment at each end and the segments between its `*`s, each found
 * leftmost by shift-and, so a name is read about once whatever the glob. (Unit names never contain
 * `/`; a name that does is matched by the general dynamic programme.)
 */
export class CompiledGlob {
  private readonly tokens: readonly Token[] | undefined;
  private readonly segments: readonly Segment[] = [];
  private readonly minLength: number = 0;
  private readonly prefix: string = '';
  private readonly suffix: string = '';
  /** Tokens at the start of the first and the end of the last segment that `quick` checks. */
  private readonly prefixTokens: number = 0;
  private readonly suffixTokens: number = 0;
  private readonly star: boolean = false;

  constructor(readonly pattern: string) {
    const raw = compile(pattern);
    this.tokens = raw === undefined ? undefined : normalize(raw);
    if (this.tokens === undefined) return;
    const parts: Token[][] = [[]];
    for (const t of this.tokens) {
      if (t.kind === 'star') parts.push([]);
      else parts[parts.length - 1]?.push(t);
    }
    this.segments = parts.map((p) => new Segment(p));
    this.star = parts.length > 1;
    this.minLength = parts.reduce((n, p) => n + p.length, 0);
    this.prefix = literal(parts[0] ?? []);
    const reversed = literal([...(parts.at(-1) ?? [])].reverse());
    this.suffix = [...reversed].reverse().join('');
    this.prefixTokens = [...this.prefix].length;
    this.suffixTokens = [...reversed].length;
  }

  /**
   * A cheap answer when there is one: `false` if the name is too short or lacks the glob's literal
   * prefix or suffix (or the glob is malformed), `undefined` if it takes {@link matches}.
   */
  quick(name: string, work: GlobWork = { steps: 0 }): false | undefined {
    work.steps++;
    if (this.tokens === undefined || name.length < this.minLength) return false;
    if (!name.startsWith(this.prefix) || !name.endsWith(this.suffix)) return false;
    return undefined;
  }

  /**
   * Whether `name` matches, with Go `path.Match` semantics (see {@link matchGlob}).
   * @param chars - `codePoints(name)`, when the caller keeps them for many globs
   */
  matches(name: string, work: GlobWork = { steps: 0 }, chars?: readonly number[]): boolean {
    if (this.quick(name, work) === false || this.tokens === undefined) return false;
    if (chars === undefined) {
      chars = codePoints(name);
      work.steps += chars.length;
    }
    if (chars.includes(SLASH)) return dpMatch(this.tokens, chars, work);
    const n = chars.length;
    const first = this.segments[0];
    const last = this.segments[this.segments.length - 1];
    if (first === undefined || last === undefined) return false;
    // `quick` found the literal prefix and suffix: only the tokens between are left to check.
    const lastTo = last.length - this.suffixTokens;
    if (!this.star) {
      return n === first.length && first.matchesAt(chars, 0, work, this.prefixTokens, lastTo);
    }
    if (n < this.minLength) return false;
    if (
      !first.matchesAt(chars, 0, work, this.prefixTokens) ||
      !last.matchesAt(chars, n - last.length, work, 0, lastTo)
    ) {
      return false;
    }
    let pos = first.length;
    const end = n - last.length;
    for (let i = 1; i < this.segments.length - 1; i++) {
      const seg = this.segments[i];
      if (seg === undefined) continue;
      const at = seg.find(chars, pos, end, work);
      if (at === -1) return false;
      pos = at + seg.length;
    }
    return true;
  }
}

/** Compiles `pattern` for matching many names (see {@link CompiledGlob}). */
export function compileGlob(pattern: string): CompiledGlob {
  return new CompiledGlob(pattern);
}

/**
 * Whether `name` matches the glob `pattern`, with Go `path.Match` semantics: `*` matches
 * any run of characters except `/`, `?` any one character except `/`, `[...]` a class
 * (`[^...]` negated, ranges `a-z`, `\` escapes) and `\c` the character `c`. The whole name
 * must match. A malformed pattern (e.g. `[a`, `[]`, a trailing `\`) matches nothing. To match
 * one pattern against many names, {@link compileGlob} it once.
 */
export function matchGlob(pattern: string, name: string): boolean {
  return new CompiledGlob(pattern).matches(name);
}

/** The general matcher on the pattern as written (no rewriting, no quick checks): for tests. */
export function matchGlobReference(pattern: string, name: string): boolean {
  const tokens = compile(pattern);
  return tokens !== undefined && dpMatch(tokens, codePoints(name), { steps: 0 });
}
