import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import { apply, machine, placement, unit } from './testing/index.js';
import type { SnapshotAssignment, SnapshotMachine, SnapshotUnit } from './types.js';

// The reason a unit waits names every constraint each machine fails, not only the first.
const M1 = '1111111111111111111111111111111a';
const M2 = '2222222222222222222222222222222b';
const M3 = '3333333333333333333333333333333c';

const hello = unit('hello.service');
const picky = unit('picky.service', [
  'MachineMetadata=region=eu',
  'MachineMetadata=disk=ssd',
  'Conflicts=hello.service',
]);

function waitingReason(units: SnapshotUnit[], machines: SnapshotMachine[], on?: string): string {
  const assignments: SnapshotAssignment[] =
    on === undefined
      ? []
      : [{ unit: hello.name, machineId: on, hash: hello.hash, desiredState: 'launched' }];
  const plan = planCluster({ units, machines, assignments });
  expect(placement(apply({ units, machines, assignments }, plan))['picky.service']).toBe(undefined);
  const waiting = plan.waiting.find((w) => w.unit === 'picky.service');
  return waiting?.reason ?? '';
}

describe('the reason of a unit no machine can take', () => {
  it('names both missing metadata keys when every machine lacks both', () => {
    const machines = [machine(M1), machine(M2), machine(M3)];
    expect(waitingReason([picky], machines)).toBe('no machine has metadata disk=ssd or region=eu');
  });

  it('names every failing constraint per machine, counted like the single ones', () => {
    const machines = [
      machine(M1, { region: 'eu', disk: 'ssd' }),
      machine(M2, { region: 'eu' }),
      machine(M3, { region: 'us' }),
    ];
    expect(waitingReason([hello, picky], machines, M1)).toBe(
      '0/3 machines available: 1 lacks metadata disk=ssd, ' +
        '1 lacks metadata disk=ssd and region=eu, 1 runs conflicting unit hello.service',
    );
    // hello.service on a machine lacking one key: that machine fails two constraints.
    const noSsd = [
      machine(M1, { region: 'eu' }),
      machine(M2, { region: 'eu' }),
      machine(M3, { region: 'us' }),
    ];
    expect(waitingReason([hello, picky], noSsd, M2)).toBe(
      '0/3 machines available: 1 lacks metadata disk=ssd, ' +
        '1 lacks metadata disk=ssd and region=eu, ' +
        '1 lacks metadata disk=ssd and runs conflicting unit hello.service',
    );
  });

  it('says "every machine" when all machines fail the same several constraints', () => {
    const machines = [machine(M1, { region: 'us' }), machine(M2, { region: 'us' })];
    const everywhere = unit('hello.service', ['Global=true']);
    expect(waitingReason([everywhere, picky], machines)).toBe(
      'every machine lacks metadata disk=ssd and region=eu and runs conflicting unit hello.service',
    );
  });

  it('names only MachineID= on the machines it does not name', () => {
    const pinned = unit('pinned.service', [`MachineID=${M3}`, 'MachineMetadata=disk=ssd']);
    const plan = planCluster({
      units: [pinned],
      machines: [machine(M1), machine(M2)],
      assignments: [],
    });
    expect(plan.waiting).toEqual([
      { unit: 'pinned.service', reason: `required machine ${M3} is not in the cluster` },
    ]);
  });
});
