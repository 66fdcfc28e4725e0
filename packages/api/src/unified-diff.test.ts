// The unified diff of unit texts, checked against what GNU `diff -u` prints for the same inputs.
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff.js';

const lines = (xs: readonly (string | number)[]) => xs.map((x) => `${x}\n`).join('');
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const diff = (a: string, b: string) => unifiedDiff(a, b, 'a', 'b');

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(diff(lines(range(5)), lines(range(5)))).toBe('');
    expect(diff('', '')).toBe('');
  });

  it('splits far-apart changes into hunks with three lines of context, as diff -u', () => {
    const to = range(20)
      .map((x) => (x === 2 ? 'two' : x === 15 ? 'fifteen' : x))
      .filter((x) => x !== 18);
    expect(diff(lines(range(20)), lines([...to, 21]))).toBe(
      '--- a\n+++ b\n' +
        '@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n' +
        '@@ -12,9 +12,9 @@\n 12\n 13\n 14\n-15\n+fifteen\n 16\n 17\n-18\n 19\n 20\n+21\n',
    );
  });

  it('numbers empty sides as diff -u does', () => {
    expect(diff('', 'a\nb\n')).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(diff('a\nb\n', '')).toBe('--- a\n+++ b\n@@ -1,2 +0,0 @@\n-a\n-b\n');
    expect(diff('a\nb\n', 'x\na\nb\n')).toBe('--- a\n+++ b\n@@ -1,2 +1,3 @@\n+x\n a\n b\n');
  });

  it('keeps the common lines of a reordered middle (longest common subsequence)', () => {
    expect(diff(lines(['a', 'b', 'c', 'd']), lines(['a', 'c', 'b', 'd']))).toBe(
      '--- a\n+++ b\n@@ -1,4 +1,4 @@\n a\n-b\n c\n+b\n d\n',
    );
  });

  it('stays bounded for large texts: the changed middle removed and added whole', () => {
    const a = lines(range(3000).map((x) => `a${x}`));
    const b = lines(range(3000).map((x) => `b${x}`));
    const out = diff(a, b);
    expect(out.startsWith('--- a\n+++ b\n@@ -1,3000 +1,3000 @@\n-a1\n')).toBe(true);
    expect(out.split('\n').filter((l) => l.startsWith('+b'))).toHaveLength(3000);
  });
});
