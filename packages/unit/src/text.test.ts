import { describe, expect, it } from 'vitest';
import { MAX_UNIT_FILE_BYTES } from './limits.js';
import { parseUnitFile } from './parse.js';
import { thrown } from './testing/index.js';
import { decodeUnitText, utf8Length } from './text.js';

/** A valid unit file of exactly `bytes` bytes, made of short comment lines. */
function unitOfSize(bytes: number): string {
  const head = '[Unit]\nA=1\n';
  const filler = bytes - head.length;
  const line = `#${'c'.repeat(98)}\n`;
  return head + line.repeat(Math.floor(filler / 100)) + '#'.repeat(filler % 100);
}

describe('input size', () => {
  it('accepts a file of exactly MAX_UNIT_FILE_BYTES', () => {
    const text = unitOfSize(MAX_UNIT_FILE_BYTES);
    expect(utf8Length(text)).toBe(MAX_UNIT_FILE_BYTES);
    expect(parseUnitFile(text)).toHaveLength(1);
    expect(parseUnitFile(new TextEncoder().encode(text))).toHaveLength(1);
  });

  it('rejects one byte more, as a string and as bytes', () => {
    const text = unitOfSize(MAX_UNIT_FILE_BYTES + 1);
    expect(thrown(() => parseUnitFile(text)).code).toBe('UNIT_TOO_LARGE');
    expect(thrown(() => parseUnitFile(new TextEncoder().encode(text))).code).toBe('UNIT_TOO_LARGE');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const text = `[Unit]\nA=1\n${'#é\n'.repeat(MAX_UNIT_FILE_BYTES / 4)}`;
    expect(text.length).toBeLessThan(MAX_UNIT_FILE_BYTES);
    expect(thrown(() => parseUnitFile(text)).code).toBe('UNIT_TOO_LARGE');
  });

  it('rejects a 10 MB input before parsing it', () => {
    const text = `[Unit]\n${'A=1\n'.repeat(2_500_000)}`;
    const error = thrown(() => parseUnitFile(text));
    expect(error.code).toBe('UNIT_TOO_LARGE');
    expect(error.message).toContain(`max ${MAX_UNIT_FILE_BYTES}`);
    expect(thrown(() => parseUnitFile(new Uint8Array(10 * 1024 * 1024))).code).toBe(
      'UNIT_TOO_LARGE',
    );
  });
});

describe('text check', () => {
  it('rejects a NUL character and says on which line', () => {
    const error = thrown(() => parseUnitFile('[Unit]\nA=1\nB=x\0y\n'));
    expect(error.code).toBe('UNIT_NOT_TEXT');
    expect(error.line).toBe(3);
  });

  it('rejects NUL bytes', () => {
    expect(thrown(() => parseUnitFile(Uint8Array.of(0x5b, 0x55, 0x5d, 0x0a, 0x00))).code).toBe(
      'UNIT_NOT_TEXT',
    );
  });

  it('rejects invalid UTF-8', () => {
    const bytes = new TextEncoder().encode('[Unit]\nA=1\n');
    const bad = Uint8Array.from([...bytes, 0xc3, 0x28]);
    const error = thrown(() => parseUnitFile(bad));
    expect(error.code).toBe('UNIT_NOT_TEXT');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('rejects binary garbage', () => {
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256);
    expect(thrown(() => parseUnitFile(garbage)).code).toBe('UNIT_NOT_TEXT');
  });

  it('rejects unpaired surrogates in a string', () => {
    expect(thrown(() => parseUnitFile('[Unit]\nA=\uD800x\n')).code).toBe('UNIT_NOT_TEXT');
    expect(thrown(() => parseUnitFile('[Unit]\nA=x\uDC00\n')).code).toBe('UNIT_NOT_TEXT');
  });

  it('reads UTF-8 bytes exactly like the same string', () => {
    const text = '\uFEFF[Unit]\nDescription=Grüße 🚀\n';
    expect(parseUnitFile(new TextEncoder().encode(text))).toEqual(parseUnitFile(text));
    expect(parseUnitFile(text)[0]?.value).toBe('Grüße 🚀');
  });

  it('strips one leading byte-order mark', () => {
    expect(decodeUnitText('\uFEFFabc')).toBe('abc');
    expect(decodeUnitText(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61))).toBe('a');
  });
});

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['🚀', 4],
    ['\uD800', 3],
  ])('%j is %i bytes', (s, n) => {
    expect(utf8Length(s)).toBe(n);
  });
});
