import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, matchGlob, matchGlobReference } from './glob.js';

describe('matchGlob (Go path.Match)', () => {
  const cases: [string, string, boolean][] = [
    ['abc', 'abc', true],
    ['abc', 'abcd', false],
    ['*', 'abc', true],
    ['*', '', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[/]', '/', true],
    ['[^a]', '/', true],
    ['*x', 'xxx', true],
    ['web.*.service', 'web.1.service', true],
    ['web.*.service', 'web.service', false],
    ['web@*.service', 'web@2.service', true],
    ['*.service', 'web.service', true],
  ];
  it.each(cases)('%j matches %j: %s', (pattern, name, expected) => {
    expect(matchGlob(pattern, name)).toBe(expected);
  });

  const malformed: [string, string][] = [
    ['[', 'a'],
    ['[^', 'a'],
    ['[^bc', 'a'],
    ['a[', 'a'],
    ['a[', 'ab'],
    ['[]a]', ']'],
    ['[-]', '-'],
    ['[x-]', 'x'],
    ['[-x]', 'x'],
    ['\\', 'a'],
    ['[a-b-c]', 'a'],
    ['[]', ''],
    ['[]', ']'],
    ['*x[', 'xy'],
    ['a*[', 'abc'],
    ['[a', 'a'],
    ['a\\', 'a'],
    ['[\\', 'a'],
  ];
  it.each(malformed)('malformed %j matches nothing (%j)', (pattern, name) => {
    expect(matchGlob(pattern, name)).toBe(false);
  });
});

describe('compileGlob: the fast matcher agrees with the general one', () => {
  const patternChar = fc.constantFrom(
    'a',
    'b',
    '.',
    '*',
    '*',
    '?',
    '[a]',
    '[^a]',
    '[a-b]',
    '/',
    '\\*',
    '☺',
  );
  const nameChar = fc.constantFrom('a', 'b', '.', '*', '/', '☺', 'c');
  it('on random patterns and names', () => {
    fc.assert(
      fc.property(
        fc.array(patternChar, { maxLength: 12 }).map((p) => p.join('')),
        fc.array(
          fc.array(nameChar, { maxLength: 14 }).map((n) => n.join('')),
          { minLength: 1, maxLength: 8 },
        ),
        (pattern, names) => {
          const glob = compileGlob(pattern);
          for (const name of names) {
            expect(glob.matches(name)).toBe(matchGlobReference(pattern, name));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads a name about once, however long and hostile the glob', () => {
    const name = `app-${'x'.repeat(200)}-7.service`;
    const hostile = [
      '*?'.repeat(126) + '.service', // every name passes the quick check
      '*' + 'x'.repeat(100) + '[^x]*.service', // many near-misses for a naive search
      '*' + '[a-z]*'.repeat(40) + '.service',
      '*' + 'x?'.repeat(60) + 'Q*', // fails only at the end
    ];
    for (const pattern of hostile) {
      const work = { steps: 0 };
      const glob = compileGlob(pattern);
      glob.matches(name, work); // the first match also builds the per-character masks
      const again = { steps: 0 };
      expect(glob.matches(name, again)).toBe(matchGlobReference(pattern, name));
      // The general matcher costs pattern length × name length (~50,000 steps here); this one
      // reads the name once, one step per 32 tokens of the segment it is looking for.
      const bound = (2 + Math.ceil(name.length / 32)) * name.length + 16;
      expect(again.steps).toBeLessThanOrEqual(bound);
      expect(work.steps).toBeLessThanOrEqual(bound + 40 * pattern.length);
    }
  });
});

describe('character classes in any order', () => {
  // Independent of the compiler: a class as written, tried range by range.
  const naive = (ranges: readonly [string, string][], negated: boolean, c: string) =>
    ranges.some(([lo, hi]) => lo <= c && c <= hi) !== negated;
  const letter = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'y', 'z');
  it('match what the class lists: unsorted, overlapping, adjacent and empty ranges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(letter, fc.option(letter, { nil: undefined })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.boolean(),
        letter,
        (parts, negated, c) => {
          const ranges = parts.map(([lo, hi]): [string, string] => [lo, hi ?? lo]);
          const body = parts.map(([lo, hi]) => (hi === undefined ? lo : `${lo}-${hi}`)).join('');
          const pattern = `x[${negated ? '^' : ''}${body}]`;
          const expected = naive(ranges, negated, c);
          expect(matchGlob(pattern, `x${c}`)).toBe(expected);
          expect(matchGlobReference(pattern, `x${c}`)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['[z-ab-c]', 'b', true], // an empty range before an ordered one
    ['[m-pz-an-o]', 'n', true], // an empty range between overlapping ones
    ['[m-pz-an-o]', 'q', false],
    ['[c-da-b]', 'a', true], // adjacent, out of order
    ['[^c-da-b]', 'e', true],
  ])('%j matches %j: %s', (pattern, c, expected) => {
    expect(matchGlob(pattern, c)).toBe(expected);
  });
});
