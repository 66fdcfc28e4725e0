import type { WireUnitState } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import { judgeCopies, type Copy } from './copies.js';

const copy = (
  machineID: string,
  active: string,
  load = 'loaded',
  agent?: 'loaded' | 'launched',
): Copy => ({
  state: {
    name: 'g.service',
    hash: 'h',
    machineID,
    systemdLoadState: load,
    systemdActiveState: active,
    systemdSubState: 'x',
    ...(agent === undefined ? {} : { state: agent }),
  } satisfies WireUnitState,
  legend: `${machineID}.../127.0.0.${machineID}`,
});
const SEE = "; see 'fleetctl status g.service' and 'fleetctl journal g.service'";

describe('judgeCopies', () => {
  it.each<[string, Parameters<typeof judgeCopies>, ReturnType<typeof judgeCopies>]>([
    [
      'no copy at all',
      ['g.service', 'active', []],
      { kind: 'failed', message: 'global unit g.service is not on any machine' },
    ],
    [
      'stop: waits for every copy',
      ['g.service', 'stopped', [copy('1', 'inactive'), copy('2', 'deactivating')]],
      { kind: 'waiting', status: '2.../127.0.0.2: systemd deactivating' },
    ],
    [
      'stop: inactive and failed copies are stopped',
      ['g.service', 'stopped', [copy('1', 'inactive'), copy('2', 'failed')]],
      {
        kind: 'done',
        line: 'Unit g.service loaded on 1.../127.0.0.1\nUnit g.service loaded on 2.../127.0.0.2',
      },
    ],
    [
      'stop: waits for a copy its agent has not stopped yet, however systemd has it',
      ['g.service', 'stopped', [copy('1', 'inactive', 'loaded', 'launched')]],
      { kind: 'waiting', status: '1.../127.0.0.1: not stopped by its agent yet' },
    ],
    [
      'start: a copy its agent started that ran and exited is done',
      [
        'g.service',
        'active',
        [copy('1', 'inactive', 'loaded', 'launched'), copy('2', 'active', 'loaded', 'launched')],
      ],
      {
        kind: 'done',
        line: 'Unit g.service launched on 1.../127.0.0.1\nUnit g.service launched on 2.../127.0.0.2',
      },
    ],
    [
      'start: waits for a copy its agent has not started yet, however systemd has it',
      ['g.service', 'active', [copy('1', 'active', 'loaded', 'loaded')]],
      { kind: 'waiting', status: '1.../127.0.0.1: not started by its agent yet' },
    ],
    [
      'start: waits until every copy runs',
      ['g.service', 'active', [copy('1', 'active'), copy('2', 'inactive')]],
      { kind: 'waiting', status: '2.../127.0.0.2: systemd inactive' },
    ],
    [
      'start: every copy active',
      ['g.service', 'active', [copy('1', 'active'), copy('2', 'reloading')]],
      {
        kind: 'done',
        line: 'Unit g.service launched on 1.../127.0.0.1\nUnit g.service launched on 2.../127.0.0.2',
      },
    ],
    [
      'start: a copy that failed',
      ['g.service', 'active', [copy('1', 'active'), copy('2', 'failed')]],
      {
        kind: 'failed',
        message: `global unit g.service failed to start on 2.../127.0.0.2: systemd reports failed (x)${SEE}`,
      },
    ],
    [
      'start: a copy still failed from before the restart is waited on',
      ['g.service', 'active', [copy('1', 'active'), copy('2', 'failed')], new Set(['2'])],
      { kind: 'waiting', status: '2.../127.0.0.2: systemd failed (before the restart)' },
    ],
    [
      'start: a copy systemd cannot load',
      ['g.service', 'active', [copy('1', 'inactive', 'bad-setting')]],
      {
        kind: 'failed',
        message: `global unit g.service cannot be started on 1.../127.0.0.1: systemd cannot load it (load state bad-setting)${SEE}`,
      },
    ],
  ])('%s', (_what, args, verdict) => {
    expect(judgeCopies(...args)).toEqual(verdict);
  });
});
