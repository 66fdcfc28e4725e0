import { describe, expect, it } from 'vitest';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { thrown } from './test-support.js';
import { validateUnitOptions } from './validate-options.js';

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
