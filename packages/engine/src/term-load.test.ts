// An etcd blip while the leader reloads the cluster (its periodic resync) must not leave a leader
// that holds the key and schedules nothing (reliability review F1): the term loads again, and a
// term that ends for any other reason than losing its lease gives the key up.
import { UnavailableError, type Registry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { advanceUntil } from '@fleet/runtime/testing';
import { overriding } from '@fleet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2, machineRecord, placement, unitInput } from './testing/index.js';

/** `registry`, with `listUnits` failing as often as `failures.left` says. */
function flakyListing(registry: Registry, failures: { left: number }): Registry {
  return overriding(registry, {
    listUnits: () => {
      if (failures.left <= 0) return registry.listUnits();
      failures.left--;
      return Promise.reject(new UnavailableError(['http://127.0.0.1:2379']));
    },
  });
}

describe('a leader whose cluster load fails', () => {
  const bench = new EngineBench();
  const { clock, registry } = bench;

  afterEach(() => bench.close());

  it('keeps scheduling after a failed resync, and the leader key stays with a live leader', async () => {
    for (const id of [M1, M2]) await registry.registerMachine(machineRecord(id), 3_600);
    const failures = { left: 0 };
    const log = new RecordingLogger();
    const a = bench.engine({ registry: flakyListing(registry, failures), logger: log });
    await advanceUntil(clock, () => a.isLeader() && a.metrics.reconciles > 0, { what: 'A leads' });
    const b = bench.engine({ candidateId: M2 });
    // The periodic resync (every 60 s) meets an etcd blip: two listings fail.
    failures.left = 2;
    await advanceUntil(clock, () => failures.left < 2, {
      stepMs: 100,
      maxMs: 70_000,
      what: 'the resync to meet the blip',
    });
    await registry.createUnit(unitInput('after-blip.service'));
    await advanceUntil(
      clock,
      async () => (await placement(registry))['after-blip.service'] !== undefined,
      { stepMs: 100, maxMs: 60_000, what: 'a unit created after the blip to be scheduled' },
    );
    const leader = await registry.getLeader();
    const acting = [a, b].filter((e) => e.isLeader());
    expect(acting).toHaveLength(1);
    expect(leader?.candidateId).toBe(acting[0] === a ? M1 : M2);
  });
});
