import type { WireUnit, WireUnitState } from '@fleet/client';
import { unitHash } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { exitsWhenDone, judge, UNSTARTABLE_LOAD_STATES, type Goal } from './judge.js';

const SERVICE = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1' }];
const unit = (over: Partial<WireUnit> = {}): WireUnit => ({
  name: 'a.service',
  options: SERVICE,
  desiredState: 'launched',
  currentState: 'inactive',
  ...over,
});
const state = (active: string, sub = 'x', load = 'loaded'): WireUnitState => ({
  name: 'a.service',
  hash: unitHash(SERVICE),
  machineID: 'm',
  systemdLoadState: load,
  systemdActiveState: active,
  systemdSubState: sub,
});
const SEE = "; see 'fleetctl status a.service' and 'fleetctl journal a.service'";
const LAUNCH: Goal = { state: 'launched', systemdActive: true };
const where = { machineLegend: 'c31e44e1.../127.0.0.1' };

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
      { kind: 'waiting', status: 'inactive on c31e44e1.../127.0.0.1' },
    ],
    [
      'launched, no systemd state yet',
      LAUNCH,
      { unit: unit({ machineID: 'm', currentState: 'launched' }), ...where },
      { kind: 'waiting', status: 'launched on c31e44e1.../127.0.0.1, no systemd state yet' },
    ],
    [
      'launched and activating',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('activating', 'start'),
        ...where,
      },
      { kind: 'waiting', status: 'launched on c31e44e1.../127.0.0.1, systemd activating (start)' },
    ],
    [
      'launched and active',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('active'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service launched on c31e44e1.../127.0.0.1' },
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
          'unit a.service failed to start on c31e44e1.../127.0.0.1: systemd reports failed (failed)' +
          SEE,
      },
    ],
    [
      'launched, then inactive: a simple service that ran and exited cleanly',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'launched' }),
        systemd: state('inactive', 'dead'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service launched on c31e44e1.../127.0.0.1 (ran and exited)' },
    ],
    [
      'loaded and inactive: the start job has not completed, keep waiting',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'loaded' }),
        systemd: state('inactive', 'dead'),
        ...where,
      },
      { kind: 'waiting', status: 'loaded on c31e44e1.../127.0.0.1, systemd inactive (dead)' },
    ],
    [
      'bad-setting while fleet still says loaded: fails at once',
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'loaded' }),
        systemd: state('inactive', 'dead', 'bad-setting'),
        ...where,
      },
      {
        kind: 'failed',
        message:
          'unit a.service cannot be started on c31e44e1.../127.0.0.1: systemd cannot load it (load state bad-setting)' +
          SEE,
      },
    ],
    [
      "a bad load state of older contents is not this unit's",
      LAUNCH,
      {
        unit: unit({ machineID: 'm', currentState: 'inactive' }),
        systemd: { ...state('inactive', 'dead', 'bad-setting'), hash: 'f'.repeat(40) },
        ...where,
      },
      { kind: 'waiting', status: 'inactive on c31e44e1.../127.0.0.1' },
    ],
    [
      'a bad load state does not fail stop',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        systemd: state('inactive', 'dead', 'bad-setting'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service loaded on c31e44e1.../127.0.0.1' },
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
        status: 'loaded on c31e44e1.../127.0.0.1, systemd deactivating (stop-sigterm)',
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
      { kind: 'done', line: 'Unit a.service loaded on c31e44e1.../127.0.0.1' },
    ],
    [
      'loaded and failed while stopping counts as stopped',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        systemd: state('failed', 'failed'),
        ...where,
      },
      { kind: 'done', line: 'Unit a.service loaded on c31e44e1.../127.0.0.1' },
    ],
    [
      'loaded, no systemd state yet',
      { state: 'loaded', systemdStopped: true },
      {
        unit: unit({ desiredState: 'loaded', machineID: 'm', currentState: 'loaded' }),
        ...where,
      },
      { kind: 'waiting', status: 'loaded on c31e44e1.../127.0.0.1, no systemd state yet' },
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
      { kind: 'waiting', status: 'loaded on c31e44e1.../127.0.0.1' },
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

  it.each([...UNSTARTABLE_LOAD_STATES])('start fails at once on load state %s', (load) => {
    for (const current of ['inactive', 'loaded', 'launched'] as const) {
      const verdict = judge('a.service', LAUNCH, {
        unit: unit({ machineID: 'm', currentState: current }),
        systemd: state(current === 'launched' ? 'active' : 'inactive', 'dead', load),
        ...where,
      });
      expect(verdict).toEqual({
        kind: 'failed',
        message: `unit a.service cannot be started on c31e44e1.../127.0.0.1: systemd cannot load it (load state ${load})${SEE}`,
      });
    }
  });

  it('a finished oneshot is started without a remark', () => {
    const once = unit({
      options: [...SERVICE, { section: 'Service', name: 'Type', value: 'oneshot' }],
      machineID: 'm',
      currentState: 'launched',
    });
    const s = { ...state('inactive', 'dead'), hash: unitHash(once.options) };
    expect(judge('a.service', LAUNCH, { unit: once, systemd: s, ...where })).toEqual({
      kind: 'done',
      line: 'Unit a.service launched on c31e44e1.../127.0.0.1',
    });
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
