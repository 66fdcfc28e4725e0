import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX, Keys, normalizeKeyPrefix, prefixEnd } from './keys.js';

describe('Keys', () => {
  const keys = new Keys();

  it("uses fleet's prefix by default and parses every key it builds", () => {
    expect(keys.prefix).toBe(DEFAULT_PREFIX);
    const h = 'f'.repeat(40);
    const cases = [
      [keys.unit('a@1.service'), { kind: 'unit', name: 'a@1.service' }],
      [keys.reason('a.service'), { kind: 'reason', name: 'a.service' }],
      [keys.content(h), { kind: 'content', hash: h }],
      [keys.ref(h, 'a.service'), { kind: 'ref', hash: h, name: 'a.service' }],
      [keys.assignment('m1', 'a.service'), { kind: 'assign', machineId: 'm1', name: 'a.service' }],
      [keys.machine('m1'), { kind: 'machine', machineId: 'm1' }],
      [keys.metadata('m1', 'disk'), { kind: 'metadata', machineId: 'm1', key: 'disk' }],
      [keys.state('a.service', 'm1'), { kind: 'state', name: 'a.service', machineId: 'm1' }],
      [keys.leader(), { kind: 'leader' }],
      [keys.placement('a.service', 'm1'), { kind: 'placed', name: 'a.service', machineId: 'm1' }],
      [keys.placementsReady(), { kind: 'placed-ready' }],
      [keys.rollout('web@.service'), { kind: 'rollout', group: 'web@.service' }],
      [
        keys.rolloutHistory('web@.service', 12),
        { kind: 'rollout-history', group: 'web@.service', id: 12 },
      ],
      [
        keys.rolloutPin(h, 'web@.service', 3),
        { kind: 'ref', hash: h, name: 'rollout=web@.service=3' },
      ],
    ] as const;
    for (const [key, parsed] of cases) expect(keys.parse(key)).toEqual(parsed);
    expect(keys.unit('a.service')).toBe('/_coreos.com/fleet/unit/a.service');
  });

  it('rejects keys outside the layout', () => {
    for (const k of [
      '/other/unit/a',
      `${DEFAULT_PREFIX}unit/`,
      `${DEFAULT_PREFIX}unit/a/b`,
      `${DEFAULT_PREFIX}machine/m1/x`,
      `${DEFAULT_PREFIX}zzz/a`,
      `${DEFAULT_PREFIX}rollout-history/web@.service/12`,
    ]) {
      expect(keys.parse(k)).toBeUndefined();
    }
  });

  it('keeps rollout history in id order, apart from the current records', () => {
    expect(keys.rolloutHistory('a.service', 2) < keys.rolloutHistory('a.service', 10)).toBe(true);
    expect(keys.rolloutHistory('a.service', 1)).toBe(
      '/_coreos.com/fleet/rollout-history/a.service/0000000001',
    );
    const current = keys.rollouts();
    const history = keys.rolloutHistory('a.service', 1);
    expect(history >= current.start && history < current.end).toBe(false);
  });

  it('keeps per-machine assignment ranges apart (m1 does not cover m10)', () => {
    const r = keys.assignments('m1');
    const inRange = (k: string) => k >= r.start && k < r.end;
    expect(inRange(keys.assignment('m1', 'a.service'))).toBe(true);
    expect(inRange(keys.assignment('m10', 'a.service'))).toBe(false);
  });

  it('splits the other references of a hash around the own one', () => {
    const h = 'a'.repeat(40);
    const [before, after] = keys.otherRefs(h, 'b.service');
    const own = keys.ref(h, 'b.service');
    const covers = (k: string) =>
      (k >= before.start && k < before.end) || (k >= after.start && k < after.end);
    expect(covers(own)).toBe(false);
    expect(covers(keys.ref(h, 'a.service'))).toBe(true);
    expect(covers(keys.ref(h, 'b.service.x.service'))).toBe(true);
    expect(covers(keys.ref(h, 'c.service'))).toBe(true);
    expect(covers(keys.ref('b'.repeat(40), 'a.service'))).toBe(false);
  });

  it('takes a custom prefix and refuses a malformed one', () => {
    expect(new Keys('/x/').leader()).toBe('/x/leader');
    expect(prefixEnd('/x/')).toBe('/x0');
    for (const p of ['', '/a b/', '/é/', '/a\n/']) expect(() => new Keys(p)).toThrow(RangeError);
  });

  it('reads a prefix the way fleet joined its keys (path.Join): with or without slashes', () => {
    // fleet's functional tests configure exactly `etcd_key_prefix=/fleet_functional/smoke1`.
    for (const p of [
      '/fleet_functional/smoke1',
      '/fleet_functional/smoke1/',
      'fleet_functional/smoke1',
      '//fleet_functional//smoke1//',
      '/fleet_functional/./smoke1/x/..',
    ]) {
      const keys = new Keys(p);
      expect(keys.prefix).toBe('/fleet_functional/smoke1/');
      expect(keys.unit('a.service')).toBe('/fleet_functional/smoke1/unit/a.service');
      expect(keys.parse(keys.machine('m1'))).toEqual({ kind: 'machine', machineId: 'm1' });
    }
    expect(normalizeKeyPrefix('/')).toBe('/');
    expect(normalizeKeyPrefix('/..')).toBe('/');
    expect(normalizeKeyPrefix('x')).toBe('/x/');
    expect(new Keys('/').leader()).toBe('/leader');
    expect(() => normalizeKeyPrefix('')).toThrow(
      'key prefix is empty (write "/" for the root of the keyspace)',
    );
  });
});
