import { describe, expect, it } from 'vitest';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { thrown } from './testing/index.js';
import { serializeUnitOptions } from './serialize.js';
import {
  MAX_GLOB_LENGTH,
  MAX_REPLACES_ENTRIES,
  MAX_REQUIREMENT_ENTRIES,
  validateUnitOptions,
} from './validate-options.js';

function validate(xfleet: string, name = 'web.service'): ReturnType<typeof validateUnitOptions> {
  return validateUnitOptions(name, parseUnitFile(`[Service]\nExecStart=/x\n[X-Fleet]\n${xfleet}`));
}

describe('validateUnitOptions', () => {
  it.each([
    ['nothing', ''],
    ['MachineID alone', 'MachineID=abc\n'],
    ['Global with metadata and conflicts', 'Global=true\nMachineMetadata=a=b\nConflicts=x*\n'],
    ['MachineOf with a non-matching Conflicts', 'MachineOf=db.service\nConflicts=web*\n'],
    ['MachineOf with a non-matching Replaces', 'MachineOf=db.service\nReplaces=old*\n'],
    ['Global=false with MachineID', 'Global=false\nMachineID=abc\n'],
    ['MachineID with metadata', 'MachineID=abc\nMachineMetadata=a=b\n'],
  ])('accepts %s', (_title, xfleet) => {
    expect(() => validate(xfleet)).not.toThrow();
  });

  it('returns the requirements', () => {
    expect(validate('MachineOf=db.service\n').machineOf).toEqual(['db.service']);
  });

  it('accepts an empty option list, like fleet', () => {
    expect(validateUnitOptions('a.service', []).global).toBe(false);
  });

  const invalid: [string, string, string][] = [
    [
      'MachineID + MachineOf',
      'MachineID=abc\nMachineOf=db.service\n',
      'MachineID cannot be used with Peers',
    ],
    [
      'MachineID + Conflicts',
      'MachineID=abc\nConflicts=x*\n',
      'MachineID cannot be used with Conflicts',
    ],
    ['MachineID + Global', 'MachineID=abc\nGlobal=true\n', 'MachineID cannot be used with Global'],
    [
      'MachineID + Replaces',
      'MachineID=abc\nReplaces=x.service\n',
      'MachineID cannot be used with Replaces',
    ],
    [
      'deprecated machine ID + X-Conflicts',
      'X-ConditionMachineID=abc\nX-Conflicts=x*\n',
      'MachineID cannot be used with Conflicts',
    ],
    [
      'Global + MachineOf',
      'Global=true\nMachineOf=db.service\n',
      'Global cannot be used with Peers',
    ],
    [
      'Global + Replaces',
      'Global=yes\nReplaces=x.service\n',
      'Global cannot be used with Replaces',
    ],
    [
      'Conflicts + Replaces',
      'Conflicts=a*\nReplaces=b.service\n',
      'Conflicts cannot be used with Replaces',
    ],
    [
      'a peer matching a conflict',
      'MachineOf=db.service\nConflicts=d*.service\n',
      'unresolvable requirements: peer "db.service" matches conflict "d*.service"',
    ],
    [
      'a peer matching a replace',
      'MachineOf=db.service\nReplaces=db.service\n',
      'unresolvable requirements: peer "db.service" matches replace "db.service"',
    ],
    [
      'the peer check comes first',
      'MachineID=abc\nMachineOf=db.service\nConflicts=*\n',
      'unresolvable requirements: peer "db.service" matches conflict "*"',
    ],
  ];
  it.each(invalid)('rejects %s', (_title, xfleet, message) => {
    const error = thrown(() => validate(xfleet));
    expect(error.code).toBe('UNIT_OPTIONS_INVALID');
    expect(error.message).toBe(message);
  });

  it('checks combinations after specifier substitution', () => {
    const error = thrown(() =>
      validate('MachineOf=%p-db.service\nConflicts=%p-*\n', 'app@1.service'),
    );
    expect(error.message).toBe(
      'unresolvable requirements: peer "app-db.service" matches conflict "app-*"',
    );
  });

  it('rejects options that cannot form a unit file', () => {
    const bad = (options: UnitOption[]): string =>
      thrown(() => validateUnitOptions('a.service', options)).code;
    expect(bad([{ section: 'Nope', name: 'A', value: '1' }])).toBe('UNIT_SECTION_UNKNOWN');
    expect(bad([{ section: 'Unit', name: 'A', value: 'x'.repeat(5000) }])).toBe(
      'UNIT_LINE_TOO_LONG',
    );
    expect(bad([{ section: 'Unit', name: '', value: '1' }])).toBe('UNIT_PARSE');
    expect(bad([{ section: 'Unit', name: 'A', value: '\0' }])).toBe('UNIT_NOT_TEXT');
  });
});

describe('validateUnitOptions: options must read back from their unit file', () => {
  const exec = (value: string, name = 'ExecStart', section = 'Service'): UnitOption[] => [
    { section, name, value },
    { section: 'Service', name: 'Restart', value: 'always' },
  ];
  const message = (options: UnitOption[]): string =>
    thrown(() => validateUnitOptions('a.service', options)).message;

  it.each([
    ['a trailing space', '/bin/sleep 1000 '],
    ['leading whitespace', '\t /bin/sleep 1000'],
    ['a continuation', '/bin/sh -c \\\n  "sleep 1000"'],
    ['a backslash inside', '/bin/echo a\\b'],
  ])('accepts a value with %s, written as given', (_title, value) => {
    const options = exec(value);
    expect(() => validateUnitOptions('a.service', options)).not.toThrow();
    expect(serializeUnitOptions(options)).toContain(`ExecStart=${value}\n`);
  });

  it.each([
    [
      'an embedded newline',
      exec('/bin/sleep 1\n[X-Fleet]\nGlobal=true'),
      'option Service.ExecStart: value contains a newline',
    ],
    [
      'a carriage return',
      exec('/bin/sleep 1\r'),
      'option Service.ExecStart: value contains a carriage return',
    ],
    [
      'a lone carriage return inside',
      exec('a\rb'),
      'option Service.ExecStart: value contains a carriage return',
    ],
    [
      'a trailing backslash',
      exec('/bin/echo hi \\'),
      'option Service.ExecStart: value ends in a backslash, which would join the next line to it',
    ],
    ['a trailing backslash before spaces', exec('/bin/echo hi \\  '), 'value ends in a backslash'],
    [
      'a blank continuation line',
      exec('/bin/echo \\\n  '),
      'value contains a blank continuation line',
    ],
    [
      'a blank line inside',
      exec('/bin/echo \\\n\n  x'),
      'value contains a blank continuation line',
    ],
    [
      'a comment continuation',
      exec('/bin/echo \\\n# x'),
      'value continues onto a line systemd skips as a comment',
    ],
    [
      'a newline in a name',
      exec('x', 'Exec\nStart'),
      'option Service."Exec\\nStart": name contains a line break',
    ],
    [
      'whitespace in a name',
      exec('x', ' ExecStart'),
      'option Service." ExecStart": name contains whitespace',
    ],
    ['an = in a name', exec('x', 'A=B'), 'option Service."A=B": name contains "="'],
    [
      'a newline in a section',
      exec('x', 'ExecStart', 'Service\n'),
      'option "Service\\n".ExecStart: section contains a line break',
    ],
    [
      'a name read as a comment',
      exec('x', '#ExecStart'),
      'it would not read back the same from its unit file',
    ],
  ])('refuses %s with one clear line', (_title, options, text) => {
    const error = thrown(() => validateUnitOptions('a.service', options));
    expect(error.code).toBe('UNIT_OPTIONS_INVALID');
    expect(error.message).toContain(text);
    expect(error.message).not.toContain('\n');
  });

  it('refuses the value that hid Restart=always inside ExecStart (L12)', () => {
    expect(message(exec('/bin/echo hi \\'))).toMatch(/^option Service\.ExecStart: /);
  });
});

describe('validateUnitOptions: bounded scheduling work per unit', () => {
  const unit = (lines: string[]): UnitOption[] => [
    { section: 'Service', name: 'ExecStart', value: '/x' },
    ...lines.map((l) => {
      const i = l.indexOf('=');
      return { section: 'X-Fleet', name: l.slice(0, i), value: l.slice(i + 1) };
    }),
  ];
  const many = (key: string, n: number, glob = (i: number) => `g${i}*`) =>
    Array.from({ length: n }, (_, i) => `${key}=${glob(i)}`);

  it.each(['Conflicts', 'Replaces'])('accepts %s= at the limits', (key) => {
    const long = (i: number) =>
      `${'?*'.repeat((MAX_GLOB_LENGTH - 4) / 2)}${String(i).padStart(4, '0')}`;
    const max = key === 'Conflicts' ? MAX_REQUIREMENT_ENTRIES : MAX_REPLACES_ENTRIES;
    const options = unit(many(key, max, long));
    expect(
      validateUnitOptions('a.service', options)[key === 'Conflicts' ? 'conflicts' : 'replaces'],
    ).toHaveLength(max);
  });

  it.each([
    ['Conflicts', unit(many('Conflicts', 300)), 'too many Conflicts= globs: 300 (max 64)'],
    [
      'one line of many',
      unit([`Conflicts=${Array.from({ length: 65 }, (_, i) => `a${i}*`).join(' ')}`]),
      'too many Conflicts= globs: 65 (max 64)',
    ],
    [
      'X-Conflicts too',
      unit([...many('Conflicts', 40), ...many('X-Conflicts', 40)]),
      'too many Conflicts= globs: 80 (max 64)',
    ],
    ['Replaces', unit(many('Replaces', 9)), 'too many Replaces= globs: 9 (max 8)'],
    [
      'MachineOf',
      unit(many('MachineOf', 65, (i) => `p${i}.service`)),
      'too many MachineOf= units: 65 (max 64)',
    ],
    [
      'a long glob',
      unit([`Conflicts=${'*'.repeat(257)}`]),
      'Conflicts= glob too long: 257 characters (max 256)',
    ],
    [
      'a long replace',
      unit([`Replaces=${'a'.repeat(300)}`]),
      'Replaces= glob too long: 300 characters (max 256)',
    ],
    [
      'long after substitution',
      unit([`Conflicts=${'%n'.repeat(30)}`]),
      'Conflicts= glob too long: 270 characters (max 256)',
    ],
  ])('refuses too much: %s', (_title, options, text) => {
    const error = thrown(() => validateUnitOptions('a.service', options));
    expect(error.code).toBe('UNIT_OPTIONS_INVALID');
    expect(error.message).toBe(text);
  });
});
