import { describe, expect, it } from 'vitest';
import type { UnitOption } from './option.js';
import {
  DEFAULT_ROLLOUT_POLICY,
  groupOf,
  rolloutPolicy,
  rolloutProblem,
} from './rollout-policy.js';
import { validateUnitOptions } from './validate-options.js';

const xf = (name: string, value: string): UnitOption => ({ section: 'X-Fleet', name, value });
const exec: UnitOption = { section: 'Service', name: 'ExecStart', value: '/bin/true' };

describe('groupOf', () => {
  it.each([
    ['web@3.service', 'web@.service'],
    ['web@a.b.service', 'web@.service'],
    ['web@.service', 'web@.service'],
    ['db.service', 'db.service'],
    ['tick@1.timer', 'tick@.timer'],
  ])('%s is rolled out as %s', (name, group) => {
    expect(groupOf(name)).toBe(group);
  });
});

describe('rolloutPolicy', () => {
  it("gives the doc's defaults for a unit without Update* keys", () => {
    expect(rolloutPolicy([exec])).toEqual({
      maxParallel: 1,
      minHealthySec: 10,
      healthyDeadlineSec: 300,
      autoRevert: true,
    });
  });

  it('reads every key, the last value winning, an empty value resetting to the default', () => {
    const options = [
      xf('UpdateMaxParallel', '3'),
      xf('UpdateMaxParallel', ' 2 '),
      xf('UpdateMinHealthySec', '0'),
      xf('UpdateHealthyDeadlineSec', '60'),
      xf('UpdateAutoRevert', 'no'),
      xf('UpdateHealthyDeadlineSec', ''),
      { section: 'Service', name: 'UpdateMaxParallel', value: '9' },
    ];
    expect(rolloutPolicy(options)).toEqual({
      maxParallel: 2,
      minHealthySec: 0,
      healthyDeadlineSec: 300,
      autoRevert: false,
    });
  });

  it('counts a bad stored value as absent', () => {
    expect(
      rolloutPolicy([xf('UpdateMaxParallel', 'many'), xf('UpdateAutoRevert', 'maybe')]),
    ).toEqual(DEFAULT_ROLLOUT_POLICY);
  });
});

describe('rolloutProblem and validateUnitOptions', () => {
  it.each([
    ['UpdateMaxParallel', '0', 'invalid [X-Fleet] UpdateMaxParallel="0": expected 1 to 100000'],
    [
      'UpdateMaxParallel',
      '1.5',
      'invalid [X-Fleet] UpdateMaxParallel="1.5": expected a whole number',
    ],
    [
      'UpdateMinHealthySec',
      '-1',
      'invalid [X-Fleet] UpdateMinHealthySec="-1": expected a whole number',
    ],
    [
      'UpdateHealthyDeadlineSec',
      '0',
      'invalid [X-Fleet] UpdateHealthyDeadlineSec="0": expected 1 to 604800',
    ],
    [
      'UpdateHealthyDeadlineSec',
      '999999999',
      'invalid [X-Fleet] UpdateHealthyDeadlineSec="999999999": expected 1 to 604800',
    ],
    [
      'UpdateAutoRevert',
      'maybe',
      'invalid [X-Fleet] UpdateAutoRevert="maybe": expected a boolean (true or false)',
    ],
  ])('refuses %s=%s with one clear message', (key, value, message) => {
    const options = [exec, xf(key, value)];
    expect(rolloutProblem(options)).toBe(message);
    expect(() => validateUnitOptions('web@.service', options)).toThrow(message);
  });

  it('accepts good values, empty values and the keys in other sections', () => {
    const options = [
      exec,
      xf('UpdateMaxParallel', '100000'),
      xf('UpdateMinHealthySec', '0'),
      xf('UpdateHealthyDeadlineSec', ''),
      xf('UpdateAutoRevert', 'FALSE'),
      { section: 'Service', name: 'UpdateMaxParallel', value: 'x' },
    ];
    expect(rolloutProblem(options)).toBeUndefined();
    expect(() => validateUnitOptions('web@.service', options)).not.toThrow();
  });
});
