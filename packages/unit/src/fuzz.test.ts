// Bad input must only ever produce a UnitError, whatever it looks like.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnitError } from './errors.js';
import { matchGlob } from './glob.js';
import { parseUnitFile } from './parse.js';
import { fleetRequirements } from './requirements.js';
import { isKnownSection } from './sections.js';
import { validateUnitOptions } from './validate-options.js';

/** Parses, checks the invariants of a successful parse, and reports what happened. */
function parseOrUnitError(input: string | Uint8Array): 'ok' | 'error' {
  try {
    const options = parseUnitFile(input);
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) {
      expect(isKnownSection(option.section)).toBe(true);
      expect(option.name).not.toBe('');
      expect(option.name).not.toContain('=');
      expect(option.name.trim()).toBe(option.name);
      expect(option.value.trim()).toBe(option.value);
    }
    // Whatever parses must be usable by the rest of the package without surprises.
    fleetRequirements('fuzz@x.service', options);
    try {
      validateUnitOptions('fuzz@x.service', options);
    } catch (error) {
      expect(error).toBeInstanceOf(UnitError);
    }
    return 'ok';
  } catch (error) {
    if (!(error instanceof UnitError)) throw error;
    return 'error';
  }
}

/** Characters that matter to the parser, mixed with arbitrary ones. */
const tricky = fc.oneof(
  fc.constantFrom('\n', '\r\n', '\r', '[', ']', '=', '\\', '#', ';', ' ', '\t', '\0', '"', '%'),
  fc.constantFrom(
    '[Unit]',
    '[Service]',
    '[X-Fleet]',
    '[Bogus]',
    'A=',
    'Global=',
    '\uFEFF',
    '\u00a0',
  ),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);

const unitLikeLine = fc.oneof(
  fc.constantFrom(
    '[Unit]',
    '[Service]',
    '[X-Fleet]',
    '  [Install] ',
    '[Foo]',
    '[Unit] junk',
    '[Unit',
  ),
  fc
    .tuple(
      fc.constantFrom('', ' ', '\t'),
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/),
      fc.constantFrom('=', ' = ', '=  '),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('', ' ', '\\', ' \\', '\\ '),
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('', '   ', '# comment', '; c \\', '#\\ ', '  continued', 'no equals'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
);

const unitLikeText = fc
  .tuple(fc.array(unitLikeLine, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'))
  .map(([lines, eol]) => `[Unit]${eol}${lines.join(eol)}`);

describe('fuzz: parseUnitFile throws nothing but UnitError', () => {
  it('random strings of tricky pieces', () => {
    fc.assert(
      fc.property(fc.array(tricky, { maxLength: 60 }), (pieces) => {
        parseOrUnitError(pieces.join(''));
      }),
      { numRuns: 500 },
    );
  });

  it('random code points', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        parseOrUnitError(text);
        parseOrUnitError(`[Service]\n${text}`);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        parseOrUnitError(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes after a valid header', () => {
    const header = new TextEncoder().encode('[Unit]\nA=');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        parseOrUnitError(Uint8Array.from([...header, ...bytes]));
      }),
      { numRuns: 300 },
    );
  });

  it('unit-like text parses often and never fails badly', () => {
    let parsed = 0;
    fc.assert(
      fc.property(unitLikeText, (text) => {
        if (parseOrUnitError(text) === 'ok') parsed++;
      }),
      { numRuns: 500 },
    );
    expect(parsed).toBeGreaterThan(10);
  });
});

describe('fuzz: matchGlob never throws', () => {
  it('random patterns and names', () => {
    const globChars = fc.constantFrom('*', '?', '[', ']', '^', '-', '\\', '/', 'a', 'b', '.');
    fc.assert(
      fc.property(
        fc.string({ unit: globChars, maxLength: 12 }),
        fc.string({ unit: globChars, maxLength: 12 }),
        (pattern, name) => {
          expect(typeof matchGlob(pattern, name)).toBe('boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a pattern without special characters matches only itself', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9@._-]{0,12}$/),
        fc.stringMatching(/^[a-z0-9@._-]{0,12}$/),
        (a, b) => {
          expect(matchGlob(a, b)).toBe(a === b);
          expect(matchGlob('*', a)).toBe(true);
        },
      ),
    );
  });
});
