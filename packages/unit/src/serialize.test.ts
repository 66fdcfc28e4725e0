import { describe, expect, it } from 'vitest';
import { shortHash, unitHash } from './hash.js';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { serializeUnitOptions } from './serialize.js';

const HELLO = '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n';
// Derived by hand: HELLO is already in canonical form, so it is its own serialisation, and
//   printf '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n' | sha1sum
// prints this value (fleet's hash for the file):
const HELLO_HASH = 'ea7c914e6663c9d50994eb2bdfb8c3ab190958ec';

describe('serializeUnitOptions', () => {
  it('writes the canonical form: one blank line between sections, none at the end', () => {
    expect(serializeUnitOptions(parseUnitFile(HELLO))).toBe(HELLO);
  });

  it('groups options by section in order of first appearance', () => {
    const options = parseUnitFile('[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n[X-Fleet]\nD=4\n');
    expect(serializeUnitOptions(options)).toBe(
      '[Unit]\nA=1\nC=3\n\n[Service]\nB=2\n\n[X-Fleet]\nD=4\n',
    );
  });

  it('writes continued values back as they were read', () => {
    const text = "[Service]\nExecStart=/bin/sh -c \\\n  'x'\n";
    expect(serializeUnitOptions(parseUnitFile(text))).toBe(text);
  });

  it('writes nothing for no options', () => {
    expect(serializeUnitOptions([])).toBe('');
  });

  it('keeps empty values and duplicates', () => {
    const options: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '' },
      { section: 'Service', name: 'ExecStart', value: '/x' },
    ];
    expect(serializeUnitOptions(options)).toBe('[Service]\nExecStart=\nExecStart=/x\n');
  });
});

describe('unitHash', () => {
  it("matches fleet's hash for a known file", () => {
    expect(unitHash(parseUnitFile(HELLO))).toBe(HELLO_HASH);
    expect(shortHash(HELLO_HASH)).toBe('ea7c914');
  });

  it('ignores comments, blank lines, CRLF and whitespace around names and values', () => {
    const noisy =
      '# a comment\r\n\r\n[Unit]\r\n  Description =  Hello  \r\n; another\r\n\r\n\r\n' +
      '[Service]\r\n\tExecStart= /bin/sleep 1000\r\n\r\n';
    expect(unitHash(parseUnitFile(noisy))).toBe(HELLO_HASH);
  });

  it('depends on option order', () => {
    const a = parseUnitFile('[Service]\nExecStartPre=/a\nExecStartPre=/b\n');
    const b = parseUnitFile('[Service]\nExecStartPre=/b\nExecStartPre=/a\n');
    expect(unitHash(a)).not.toBe(unitHash(b));
  });

  it('depends on section order', () => {
    const a = parseUnitFile('[Unit]\nA=1\n[Service]\nB=2\n');
    const b = parseUnitFile('[Service]\nB=2\n[Unit]\nA=1\n');
    expect(unitHash(a)).not.toBe(unitHash(b));
  });

  it('is 40 lowercase hex characters, and hashes UTF-8', () => {
    const hash = unitHash([{ section: 'Unit', name: 'Description', value: 'Grüße' }]);
    expect(hash).toMatch(/^[0-9a-f]{40}$/);
    // printf '[Unit]\nDescription=Grüße\n' | sha1sum
    expect(hash).toBe('4b4e5c7bb953360c7dfaf2c06b8578823d168152');
  });
});
