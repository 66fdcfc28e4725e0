import { describe, expect, it } from 'vitest';
import {
  isValidUnitName,
  parseUnitName,
  splitUnitName,
  isUnitNameSyntaxValid,
  UNIT_TYPES,
  UNMANAGED_UNIT_TYPES,
  validateUnitName,
} from './name.js';
import { thrown } from './testing/index.js';

describe('validateUnitName: accepted', () => {
  it.each([
    'web.service',
    'a.b.c.socket',
    'foo@.service',
    'foo@bar.service',
    'foo@bar@baz.timer',
    'home.mount',
    'a:b_c\\x2d.mount',
    'UPPER-123.target',
    'a-.service',
    'fleet-worker.service',
    'etcd-backup.service',
    'my-systemd-thing.service',
    `${'a'.repeat(247)}.service`, // 255 characters
    ...UNIT_TYPES.filter((type) => !UNMANAGED_UNIT_TYPES.has(type)).map((type) => `x.${type}`),
    ...['path', 'service', 'socket', 'target', 'timer'].map((type) => `x@y.${type}`),
  ])('%s', (name) => {
    expect(() => validateUnitName(name)).not.toThrow();
    expect(isValidUnitName(name)).toBe(true);
  });
});

describe('validateUnitName: rejected, one rule each', () => {
  const cases: [string, string, string][] = [
    ['empty', '', 'it is empty'],
    ['too long for systemd', `${'a'.repeat(248)}.service`, '256 characters long (max 255)'],
    ['nothing before the dot', '.service', 'it has nothing before "."'],
    ['no dot', 'web', 'must end in "." and a unit type'],
    ['ends in a dot', 'web.service.', 'must not end in "."'],
    ['starts with @', '@foo.service', 'must not start with "@"'],
    ['unknown type', 'web.servce', 'unknown unit type "servce"'],
    ['type is case-sensitive', 'web.Service', 'unknown unit type "Service"'],
    ['template of a mount', 'foo@bar.mount', 'mount units cannot be templates or instances'],
    ['template of a device', 'foo@.device', 'device units cannot be templates or instances'],
    ['a device', 'dev-sda1.device', 'fleet cannot run .device units: systemd creates .device'],
    ['a scope', 'a.scope', 'fleet cannot run .scope units: systemd creates .scope'],
    ['a busname', 'a.busname', 'systemd no longer has .busname units'],
    ['a snapshot', 'a.snapshot', 'systemd no longer has .snapshot units'],
    ['leading dash', '-H.service', 'it must not start with "-" (fleetctl and systemctl'],
    ['leading dashes', '--user.service', 'it must not start with "-"'],
    ['fleetd itself', 'fleet.service', "reserved: fleet.service is fleetd's own unit"],
    ['fleetd socket', 'fleet.socket', "reserved: fleet.socket is fleetd's own API socket"],
    ['fleetd tcp', 'fleet-tcp.socket', 'reserved: fleet-tcp.socket is'],
    ['the bus', 'dbus.service', 'reserved: dbus.service is the system bus'],
    ['the bus socket', 'dbus.socket', 'reserved: dbus.socket is the system bus'],
    ['etcd', 'etcd-member.service', "reserved: etcd-member.service is the etcd fleet's state"],
    ['journald', 'systemd-journald.service', 'reserved: names starting with "systemd-" are'],
    ['a systemd timer', 'systemd-tmpfiles-clean.timer', 'reserved: names starting with "systemd-"'],
    ['the root mount', '-.mount', 'reserved: -.mount is the root file system'],
    ['space', 'my web.service', 'invalid character " " at position 3'],
    ['slash', 'a/b.service', 'invalid character "/"'],
    ['percent', 'a%i.service', 'invalid character "%"'],
    ['non-ASCII', 'wéb.service', 'invalid character "é"'],
  ];
  it.each(cases)('%s', (_title, name, reason) => {
    const error = thrown(() => validateUnitName(name));
    expect(error.code).toBe('UNIT_NAME_INVALID');
    expect(error.message.startsWith(`invalid unit name ${JSON.stringify(name)}: `)).toBe(true);
    expect(error.message).toContain(reason);
    expect(isValidUnitName(name)).toBe(false);
  });
});

describe('isUnitNameSyntaxValid: what systemd can take, without fleet policy', () => {
  it.each(['-.mount', 'fleet.service', 'dev-sda1.device', 'systemd-journald.service'])(
    '%s is a name systemd can take, which fleet refuses to run',
    (name) => {
      expect(isUnitNameSyntaxValid(name)).toBe(true);
      expect(isValidUnitName(name)).toBe(false);
    },
  );
  it.each(['.service', `${'a'.repeat(248)}.service`, 'a b.service', 'web'])('%s is not', (name) => {
    expect(isUnitNameSyntaxValid(name)).toBe(false);
  });
});

describe('parseUnitName', () => {
  it('splits a plain unit', () => {
    expect(parseUnitName('web.1.service')).toEqual({
      name: 'web.1.service',
      base: 'web.1',
      prefix: 'web.1',
      instance: '',
      type: 'service',
      isTemplate: false,
      isInstance: false,
      template: undefined,
    });
  });

  it('recognises a template', () => {
    expect(parseUnitName('foo@.service')).toEqual({
      name: 'foo@.service',
      base: 'foo@',
      prefix: 'foo',
      instance: '',
      type: 'service',
      isTemplate: true,
      isInstance: false,
      template: 'foo@.service',
    });
  });

  it('recognises an instance and its template', () => {
    expect(parseUnitName('foo@bar.service')).toEqual({
      name: 'foo@bar.service',
      base: 'foo@bar',
      prefix: 'foo',
      instance: 'bar',
      type: 'service',
      isTemplate: false,
      isInstance: true,
      template: 'foo@.service',
    });
  });

  it('takes the instance from the first @ to the last dot', () => {
    const info = parseUnitName('a@b@c.d.socket');
    expect(info.prefix).toBe('a');
    expect(info.instance).toBe('b@c.d');
    expect(info.template).toBe('a@.socket');
  });

  it('throws for an invalid name', () => {
    expect(thrown(() => parseUnitName('nope')).code).toBe('UNIT_NAME_INVALID');
  });

  it('splitUnitName does not validate', () => {
    expect(splitUnitName('nodot')).toMatchObject({ base: 'nodot', type: '', prefix: 'nodot' });
  });
});
