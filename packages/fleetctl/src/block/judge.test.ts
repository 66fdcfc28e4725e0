import type { WireUnit, WireUnitState } from '@fleet/api';
import { describe, expect, it } from 'vitest';
import { exitsWhenDone, judge, type Goal } from './judge.js';

const SERVICE = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1' }];
const unit = (over: Partial<WireUnit> = {}): WireUnit => ({
  name: 'a.service',
  options: SERVICE,
  desiredState: 'launched',
  currentState: 'inactive',
  ...over,
});
const state = (active: string, sub = 'x'): WireUnitState => ({
  name: 'a.service',
  hash: 'h',
  machineID: 'm',
  systemdActiveState: active,
  systemdSubState: sub,
});
const LAUNCH: Goal = { state: 'launched', systemdActive: true };
const where = { machineLegend: 'c31e44e1.../10.0.0.1' };

describe('judge', () => {
  it.each<[string, Goal, Parameters<typeof judge>[2], ReturnType<typeof judge>]>([
    [
      'missing unit',
      LAUNCH,
      { unit: undefined },
      { kind: 'failed', message: 'unit a.service does not exist' },
    ],
    [
      'not scheduled, no reason',
      LAUNCH,
      { unit: unit() },
      { kind: 'waiting', status: 'inactive, not scheduled yet' },
    ],
    [
      'not scheduled with a reason',
      LAUNCH,
      { unit: unit({ reason: 'no machines' }) },
      {
        kind: 'waiting',
        status: 'inactive, not scheduled: no machines',
        unschedulable: 'no machines',
      },
    ],
    [
      'scheduled, not yet loaded',
      LAUNCH,
      { unit: unit({ machineID: 'm', reason: 'placed on m' }), ...where },
      { kind: 'waiting', status: 'inactive on c31e44e1.../10.0.0.1' },
    ],
    [
      'launched, no systemd state yet',
      LAUNCH,
      { unit: unit({ machineID: 'm', currentState: 'launched' }), ...where },
      { kind: 'waiting', status: 'launched on c31e44e1.../10.0.0.1, no systemd state yet' },
    ],
    [
      'launched and activating',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('activating', 'start'),
        ...where,
      },
      { kind: 'waiting', status: 'launched on c31e44e1.../10.0.0.1, systemd activating (start)' },
    ],
    [
      'launched and active',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('active'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service launched on c31e44e1.../10.0.0.1' },
    ],
    [
      'launched and failed',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('failed', 'failed'),
        ...where,
      },
      {
        kind: 'failed',
        message:
          'unit a.service failed to start on c31e44e1.../10.0.0.1: systemd reports failed (failed)',
      },
    ],
    [
      'launched, inactive, not a oneshot',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('inactive', 'dead'),
        ...where,
      },
      { kind: 'waiting', status: 'launched on c31e44e1.../10.0.0.1, systemd inactive (dead)' },
    ],
    [
      'loaded while systemd is still stopping the unit',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        systemd: state('deactivating', 'stop-sigterm'),
        ...where,
      },
      {
        kind: 'waiting',
        status: 'loaded on c31e44e1.../10.0.0.1, systemd deactivating (stop-sigterm)',
      },
    ],
    [
      'loaded and stopped',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        systemd: state('inactive', 'dead'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service loaded on c31e44e1.../10.0.0.1' },
    ],
    [
      'loaded and failed while stopping counts as stopped',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        systemd: state('failed', 'failed'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service loaded on c31e44e1.../10.0.0.1' },
    ],
    [
      'loaded, no systemd state yet',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        ...where,
      },
      { kind: 'waiting', status: 'loaded on c31e44e1.../10.0.0.1, no systemd state yet' },
    ],
    [
      'inactive reached (unscheduled)',
      { state: 'inactive' },
      { unit: unit({ desiredState: 'inactive' }) },
      { kind: 'done', line: 'Unit a.service inactive' },
    ],
    [
      'waiting for inactive while still on a machine',
      { state: 'inactive' },
      {
        unit: unit({ desiredState: 'inactive', currentState: 'loaded', machineID: 'm' }),
        ...where,
      },
      { kind: 'waiting', status: 'loaded on c31e44e1.../10.0.0.1' },
    ],
    [
      'global: desired state counts',
      { state: 'loaded' },
      {
        unit: {
          name: 'a.service',
          options: [...SERVICE, { section: 'X-Fleet', name: 'Global', value: 'true' }],
          desiredState: 'loaded',
        },
      },
      { kind: 'done', line: 'Unit a.service loaded' },
    ],
  ])('%s', (_what, goal, obs, verdict) => {
    expect(judge('a.service', goal, obs)).toEqual(verdict);
  });

  it('knows which services end inactive when done', () => {
    const oneshot = (extra: { name: string; value: string }[]) =>
      unit({
        options: [
          { section: 'Service', name: 'Type', value: 'oneshot' },
          ...extra.map((e) => ({ section: 'Service', ...e })),
        ],
      });
    expect(exitsWhenDone(oneshot([]))).toBe(true);
    expect(exitsWhenDone(oneshot([{ name: 'RemainAfterExit', value: 'yes' }]))).toBe(false);
    expect(exitsWhenDone(unit())).toBe(false);
  });
});
