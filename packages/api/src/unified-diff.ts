// A small unified diff of two texts (unit files): line-based, longest common subsequence, three
// lines of context, `diff -u` hunk headers. Unit files are bounded (64 KiB), so the quadratic table
// stays small; past a bound, the changed middle is shown as removed and added whole.

/** One line of the edit script. */
interface Edit {
  readonly kind: ' ' | '-' | '+';
  readonly line: string;
}

/** Cells of the LCS table above which the middle is diffed as "all removed, all added". */
const MAX_CELLS = 4_000_000;

function lines(text: string): string[] {
  if (text === '') return [];
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

/** The edit script turning `a` into `b`: common prefix and suffix, the middle by LCS. */
function edits(a: readonly string[], b: readonly string[]): Edit[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (
    suf < a.length - pre &&
    suf < b.length - pre &&
    a[a.length - 1 - suf] === b[b.length - 1 - suf]
  ) {
    suf++;
  }
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const out: Edit[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }));
  const n = am.length;
  const m = bm.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    out.push(...am.map((line): Edit => ({ kind: '-', line })));
    out.push(...bm.map((line): Edit => ({ kind: '+', line })));
  } else {
    // lcs[i * (m + 1) + j]: length of the LCS of am[i..] and bm[j..].
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] =
          am[i] === bm[j]
            ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1
            : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ kind: ' ', line: am[i++] ?? '' });
        j++;
      } else if (j >= m || (i < n && (lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0))) {
        out.push({ kind: '-', line: am[i++] ?? '' });
      } else {
        out.push({ kind: '+', line: bm[j++] ?? '' });
      }
    }
  }
  out.push(...a.slice(a.length - suf).map((line): Edit => ({ kind: ' ', line })));
  return out;
}

/** `-start,len` as diff -u writes it (an empty range starts at the line before it). */
function range(first: number, len: number): string {
  const start = len === 0 ? first : first + 1;
  return len === 1 ? `${start}` : `${start},${len}`;
}

/**
 * The unified diff of `from` and `to` under `--- fromLabel` / `+++ toLabel`, or `''` if they are
 * the same.
 */
export function unifiedDiff(
  from: string,
  to: string,
  fromLabel: string,
  toLabel: string,
  context = 3,
): string {
  const script = edits(lines(from), lines(to));
  const changed = script.flatMap((e, i) => (e.kind === ' ' ? [] : [i]));
  if (changed.length === 0) return '';
  let out = `--- ${fromLabel}\n+++ ${toLabel}\n`;
  // Line numbers before each edit, on both sides.
  const posA: number[] = [];
  const posB: number[] = [];
  let pa = 0;
  let pb = 0;
  for (const e of script) {
    posA.push(pa);
    posB.push(pb);
    if (e.kind !== '+') pa++;
    if (e.kind !== '-') pb++;
  }
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] ?? 0) - context);
    let last = changed[k] ?? 0;
    while (k + 1 < changed.length && (changed[k + 1] ?? 0) - last <= 2 * context + 1) {
      last = changed[++k] ?? last;
    }
    k++;
    const end = Math.min(script.length, last + context + 1);
    const hunk = script.slice(start, end);
    const lenA = hunk.filter((e) => e.kind !== '+').length;
    const lenB = hunk.filter((e) => e.kind !== '-').length;
    out += `@@ -${range(posA[start] ?? 0, lenA)} +${range(posB[start] ?? 0, lenB)} @@\n`;
    out += hunk.map((e) => `${e.kind}${e.line}\n`).join('');
  }
  return out;
}
