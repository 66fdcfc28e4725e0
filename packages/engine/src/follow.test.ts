// An idle follower's cost: one leader watch kept open, and a read of the leader key per recheck
// (no campaign, no watch re-opened); a vacancy its watch missed is still found by the recheck.
import type { LeaderEvent, Registry, ResyncEvent, Watch } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2 } from './testing/index.js';

const MINUTE = 60_000;

describe('a follower engine at idle', () => {
  let bench: EngineBench;
  const calls = { campaign: 0, watchLeader: 0, getLeader: 0 };

  beforeEach(() => {
    bench = new EngineBench();
    calls.campaign = calls.watchLeader = calls.getLeader = 0;
  });

  afterEach(() => bench.close());

  /** The bench's registry, counting the follower's leadership calls; `silent`: a dead watch. */
  function counted(silent = false): Registry {
    const registry = bench.registry;
    const r: Registry = Object.create(registry) as Registry;
    r.campaign = (id, ttl) => (calls.campaign++, registry.campaign(id, ttl));
    r.getLeader = () => (calls.getLeader++, registry.getLeader());
    r.watchLeader = (onEvent: (e: LeaderEvent | ResyncEvent) => void): Watch => {
      calls.watchLeader++;
      return registry.watchLeader(silent ? () => {} : onEvent);
    };
    return r;
  }

  it('keeps one watch open and reads the leader key once per recheck (5 min ±20 %)', async () => {
    const a = bench.engine({ candidateId: M1 });
    await bench.until(() => a.isLeader());
    bench.engine({ registry: counted(), candidateId: M2, random: () => 0.5 });
    await bench.until(() => calls.watchLeader === 1);
    await bench.run(30 * MINUTE, 1_000);
    expect(calls.campaign).toBe(1);
    expect(calls.watchLeader).toBe(1);
    expect(calls.getLeader).toBeGreaterThanOrEqual(5); // 1,800 s / 300 s
    expect(calls.getLeader).toBeLessThanOrEqual(6);
  });

  it('finds a vacancy its watch missed at the next recheck, and takes over', async () => {
    const a = bench.engine({ candidateId: M1 });
    await bench.until(() => a.isLeader());
    const b = bench.engine({ registry: counted(true), candidateId: M2 });
    await bench.until(() => calls.watchLeader === 1);
    await a.stop();
    await bench.until(() => b.isLeader(), { stepMs: 1_000, maxMs: 10 * MINUTE });
    expect(calls.getLeader).toBeGreaterThanOrEqual(1);
  });
});
