// Parsing what we serialise gives back the same text and, for canonical text, the same
// options: the hash of a unit never drifts as it travels between fleetctl, API and agent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goTrim } from './go-space.js';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { serializeUnitOptions } from './serialize.js';
import { SYSTEMD_SECTIONS } from './sections.js';

const section = fc.oneof(
  fc.constantFrom(...SYSTEMD_SECTIONS, 'X-Fleet'),
  fc.stringMatching(/^X-[A-Za-z0-9-]{0,10}$/),
);
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/);
/** One-line values with no surrounding whitespace (what a file line can carry). */
const value = fc
  .string({
    unit: fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      fc.constantFrom('\\', '=', '#', ';', '[', ']', '"', '%', ' ', '\t'),
    ),
    maxLength: 40,
  })
  .map(goTrim)
  .filter((v) => !v.includes('\n') && !v.includes('\r'));
const option = fc.record({ section, name, value });
const options = fc.array(option, { minLength: 1, maxLength: 20 });

/** Options grouped by section in first-appearance order, as serialisation orders them. */
function grouped(list: readonly UnitOption[]): UnitOption[] {
  const order = [...new Set(list.map((o) => o.section))];
  return order.flatMap((s) => list.filter((o) => o.section === s));
}

describe('round trip', () => {
  it('serialize(parse(serialize(x))) === serialize(x)', () => {
    fc.assert(
      fc.property(options, (x) => {
        const text = serializeUnitOptions(x);
        expect(serializeUnitOptions(parseUnitFile(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('options read from canonical text survive parse(serialize(...)) unchanged', () => {
    fc.assert(
      fc.property(options, (x) => {
        const parsed = parseUnitFile(serializeUnitOptions(x));
        expect(parseUnitFile(serializeUnitOptions(parsed))).toEqual(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('grouped options whose values do not end in \\ come back exactly', () => {
    const plain = options.map((list) => grouped(list.filter((o) => !o.value.endsWith('\\'))));
    fc.assert(
      fc.property(plain, (x) => {
        fc.pre(x.length > 0);
        expect(parseUnitFile(serializeUnitOptions(x))).toEqual(x);
      }),
      { numRuns: 500 },
    );
  });

  it('any file that parses reaches a fixed point after one serialisation', () => {
    const line = fc.oneof(
      fc.constantFrom('[Unit]', '[Service]', '[X-Fleet]', '', '  ', '# c \\', 'cont'),
      fc
        .tuple(name, fc.constantFrom('=', ' = '), value, fc.constantFrom('', '\\', ' \\'))
        .map((parts) => parts.join('')),
      fc.string({ unit: 'grapheme-ascii', maxLength: 10 }).map((s) => `  ${s}`),
    );
    // Most generated files are refused (an option before a section, a bad name): count the ones
    // that parse, so the property cannot pass on refusals alone. About 190 of 500 parse.
    let parsed = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), (lines) => {
        let opts: UnitOption[];
        try {
          opts = parseUnitFile(`[Unit]\nA=1\n${lines.join('\n')}`);
        } catch {
          return;
        }
        parsed++;
        const text = serializeUnitOptions(opts);
        const again = parseUnitFile(text);
        expect(serializeUnitOptions(again)).toBe(text);
        expect(parseUnitFile(serializeUnitOptions(again))).toEqual(again);
      }),
      { numRuns: 500 },
    );
    expect(parsed).toBeGreaterThan(100);
  });
});

describe('known cases where options (not text) change, as in fleet', () => {
  it('interleaved sections are grouped', () => {
    const opts = parseUnitFile('[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n');
    expect(parseUnitFile(serializeUnitOptions(opts)).map((o) => o.name)).toEqual(['A', 'C', 'B']);
  });

  it('a value ending in \\ swallows the next option once serialised', () => {
    const opts = parseUnitFile('[Unit]\nA=x\\\n\nB=y\n');
    expect(opts.map((o) => o.value)).toEqual(['x\\', 'y']);
    const text = serializeUnitOptions(opts);
    expect(text).toBe('[Unit]\nA=x\\\nB=y\n');
    expect(parseUnitFile(text)).toEqual([{ section: 'Unit', name: 'A', value: 'x\\\nB=y' }]);
    expect(serializeUnitOptions(parseUnitFile(text))).toBe(text);
  });
});
