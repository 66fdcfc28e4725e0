import { describe, expect, it } from 'vitest';
import { parseUnitFile } from './parse.js';
import { fleetRequirements } from './requirements.js';

function req(xfleet: string, name = 'web.service'): ReturnType<typeof fleetRequirements> {
  return fleetRequirements(name, parseUnitFile(`[Unit]\nDescription=x\n\n[X-Fleet]\n${xfleet}`));
}

describe('fleetRequirements', () => {
  it('is empty without an [X-Fleet] section', () => {
    expect(fleetRequirements('a.service', parseUnitFile('[Service]\nExecStart=/x\n'))).toEqual({
      machineId: undefined,
      machineOf: [],
      machineMetadata: {},
      conflicts: [],
      replaces: [],
      global: false,
      warnings: [],
    });
  });

  it('ignores X-Fleet keys in other sections', () => {
    expect(fleetRequirements('a.service', parseUnitFile('[Service]\nGlobal=true\n')).global).toBe(
      false,
    );
  });

  describe('MachineID', () => {
    it('takes the first value', () => {
      expect(req('MachineID=aaa\nMachineID=bbb\n').machineId).toBe('aaa');
      expect(req('MachineID="aaa" "bbb"\n').machineId).toBe('aaa');
    });

    it('prefers MachineID over the deprecated keys, whatever the order', () => {
      expect(req('X-ConditionMachineID=old\nMachineID=new\n').machineId).toBe('new');
      expect(req('X-ConditionMachineBootID=boot\nX-ConditionMachineID=old\n').machineId).toBe(
        'old',
      );
    });

    it('accepts the boot-ID keys as machine IDs', () => {
      expect(req('X-ConditionMachineBootID=boot\n').machineId).toBe('boot');
      expect(req('MachineBootID=boot\n').machineId).toBe('boot');
    });

    it('ignores an empty value', () => {
      expect(req('MachineID=\n').machineId).toBeUndefined();
    });
  });

  it('collects MachineOf from every line and alias', () => {
    expect(
      req(
        'MachineOf=a.service\nX-ConditionMachineOf=b.service\nMachineOf="c.service" "d.service"\n',
      ).machineOf,
    ).toEqual(['a.service', 'b.service', 'c.service', 'd.service']);
  });

  describe('MachineMetadata', () => {
    it('ORs values of one key and sorts keys', () => {
      const r = req(
        'MachineMetadata=region=us\nMachineMetadata="disk=ssd" "region=eu"\nX-ConditionMachineMetadata=az=1\n',
      );
      expect(r.machineMetadata).toEqual({ az: ['1'], disk: ['ssd'], region: ['us', 'eu'] });
      expect(Object.keys(r.machineMetadata)).toEqual(['az', 'disk', 'region']);
    });

    it('drops duplicate values', () => {
      expect(req('MachineMetadata=a=1\nMachineMetadata=a=1\n').machineMetadata).toEqual({
        a: ['1'],
      });
    });

    it.each(['novalue', 'k=', '=v', 'a=b=c', '='])('drops %j with a warning', (entry) => {
      const r = req(`MachineMetadata=${entry}\nMachineMetadata=ok=1\n`);
      expect(r.machineMetadata).toEqual({ ok: ['1'] });
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain(`ignoring MachineMetadata entry ${JSON.stringify(entry)}`);
    });

    it('trims spaces around key and value inside quotes', () => {
      expect(req('MachineMetadata="region = us"\n').machineMetadata).toEqual({ region: ['us'] });
    });

    it('allows keys that are also Object.prototype names', () => {
      const r = req('MachineMetadata=__proto__=x\nMachineMetadata=constructor=y\n');
      expect(Object.keys(r.machineMetadata)).toEqual(['__proto__', 'constructor']);
      expect(r.machineMetadata['__proto__']).toEqual(['x']);
    });
  });

  describe('Conflicts', () => {
    it('splits on whitespace and merges X-Conflicts', () => {
      expect(
        req(
          'Conflicts=a*.service  b*.service\nX-Conflicts=c.service\nConflicts="d.service e.service" "f.service"\n',
        ).conflicts,
      ).toEqual(['a*.service', 'b*.service', 'c.service', 'd.service', 'e.service', 'f.service']);
    });
  });

  it('collects Replaces globs', () => {
    expect(req('Replaces=old.service\nReplaces="a*" "b*"\n').replaces).toEqual([
      'old.service',
      'a*',
      'b*',
    ]);
  });

  describe('Global', () => {
    it.each(['true', 'TRUE', 'yes', 'Yes', '1', 'on', 'ON', 't', 'T', '"true"'])(
      '%j is true',
      (v) => {
        expect(req(`Global=${v}\n`).global).toBe(true);
      },
    );

    it.each(['false', 'no', '0', 'off', 'f', 'y', 'enabled', ''])('%j is false', (v) => {
      expect(req(`Global=${v}\n`).global).toBe(false);
    });

    it('takes the last value', () => {
      expect(req('Global=true\nGlobal=false\n').global).toBe(false);
      expect(req('Global=false\nGlobal=true\n').global).toBe(true);
      expect(req('Global=true\nGlobal=\n').global).toBe(false);
      expect(req('Global="true" "no"\n').global).toBe(false);
    });
  });

  it('reads values sent through the API with surrounding whitespace as their file reads', () => {
    const opts = (name: string, value: string) => [{ section: 'X-Fleet', name, value }];
    expect(fleetRequirements('web.service', opts('Global', 'true ')).global).toBe(true);
    expect(fleetRequirements('web.service', opts('MachineID', ' aaa\t')).machineId).toBe('aaa');
    expect(fleetRequirements('web.service', opts('MachineOf', 'db.service ')).machineOf).toEqual([
      'db.service',
    ]);
  });

  describe('specifiers', () => {
    it('substitutes the instance into MachineMetadata', () => {
      expect(
        req('MachineMetadata=hostname=%i\n', 'metadata@node1.service').machineMetadata,
      ).toEqual({ hostname: ['node1'] });
    });

    it('substitutes in every key', () => {
      const r = req(
        'MachineID=%i\nMachineOf=%p-sidekick@%i.service\nConflicts=%p@*.service\nReplaces=%N.old.service\n',
        'web@3.service',
      );
      expect(r.machineId).toBe('3');
      expect(r.machineOf).toEqual(['web-sidekick@3.service']);
      expect(r.conflicts).toEqual(['web@*.service']);
      expect(r.replaces).toEqual(['web@3.old.service']);
    });

    it('substitutes %n and %%', () => {
      expect(req('MachineOf=%n.peer%%\n', 'a.service').machineOf).toEqual(['a.service.peer%']);
    });
  });

  describe('warnings', () => {
    it('warns once per unrecognized key', () => {
      const r = req('Foo=1\nFoo=2\nmachineid=x\n');
      expect(r.warnings).toEqual([
        'unrecognized requirement in [X-Fleet] section: "Foo"',
        'unrecognized requirement in [X-Fleet] section: "machineid"',
      ]);
      expect(r.machineId).toBeUndefined();
    });

    it.each([
      ['X-ConditionMachineID', 'MachineID'],
      ['X-ConditionMachineBootID', 'MachineID'],
      ['X-ConditionMachineOf', 'MachineOf'],
      ['X-ConditionMachineMetadata', 'MachineMetadata'],
      ['X-Conflicts', 'Conflicts'],
    ])('notes that %s is deprecated', (key, replacement) => {
      expect(req(`${key}=a=b\n`).warnings).toEqual([
        `[X-Fleet] ${key} is deprecated; use ${replacement}`,
      ]);
    });
  });
});

describe('deploy keys in [X-Fleet]', () => {
  it('passes over rollout and health-check keys without a warning, and still warns of others', () => {
    const r = fleetRequirements('web@1.service', [
      { section: 'X-Fleet', name: 'UpdateMaxParallel', value: '2' },
      { section: 'X-Fleet', name: 'HealthCheckURL', value: 'http://127.0.0.1:8080/' },
      { section: 'X-Fleet', name: 'UpdateMaxParalel', value: '2' },
    ]);
    expect(r.warnings).toEqual([
      'unrecognized requirement in [X-Fleet] section: "UpdateMaxParalel"',
    ]);
  });
});
