// The leader's cache mixes its own committed writes with assignment watch events that may lag
// behind them (reliability review F4): an old echo must not bring back an assignment the engine
// has moved since, and after a write that failed (perhaps after committing) the next pass must
// plan from a fresh listing, never from a cache that lacks the write.
import type { InMemoryRegistry } from '@fleet/registry';
import {
  UnavailableError,
  type AssignmentEvent,
  type MachineSession,
  type Registry,
} from '@fleet/registry';
import { RecordingLogger, type ManualClock } from '@fleet/runtime';
import { advanceUntil, settle as flush } from '@fleet/runtime/testing';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { EngineBench, M1, M2, machineRecord, placement, unitInput } from './testing/index.js';

/** An assignment watch that, while `lag.on`, holds its events back until `release()`. */
function laggingWatch(registry: Registry, lag: { on: boolean; held: (() => void)[] }) {
  return {
    watchAssignments: (
      machineId: string | undefined,
      after: string,
      onEvent: (e: AssignmentEvent) => void,
    ) =>
      registry.watchAssignments(machineId, after, (e) => {
        if (lag.on) lag.held.push(() => onEvent(e));
        else onEvent(e);
      }),
  };
}

describe('the leader cache and lagging or ambiguous writes', () => {
  let bench: EngineBench;
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let sessions: MachineSession[];

  beforeEach(async () => {
    bench = new EngineBench();
    ({ clock, registry, sessions } = bench);
    await bench.register([M1, M2]);
  });

  afterEach(() => bench.close());

  function start(reg: Registry, log = new RecordingLogger()): Engine {
    return bench.engine({ registry: reg, logger: log });
  }

  it('ignores old echoes replayed after a move: the unit is never unscheduled again', async () => {
    const lag = { on: false, held: [] as (() => void)[] };
    const log = new RecordingLogger();
    const e = start(overriding(registry, laggingWatch(registry, lag)), log);
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    lag.on = true; // the assignment watch lags from here (reconnecting after an etcd blip)
    await registry.createUnit(unitInput('x.service'));
    await advanceUntil(clock, async () => (await placement(registry))['x.service'] !== undefined);
    const first = (await placement(registry))['x.service']?.[0] ?? '';
    // Its machine's lease ends and the agent registers again at once: the unit has moved.
    const i = sessions.findIndex((s) => s.machineId === first);
    await sessions[i]?.close();
    await advanceUntil(clock, async () => (await placement(registry))['x.service']?.[0] !== first);
    const second = (await placement(registry))['x.service']?.[0];
    sessions[i] = await registry.registerMachine(machineRecord(first), 30);
    expect(lag.held.length).toBeGreaterThanOrEqual(3); // put first, delete first, put second
    // The watch catches up, one event at a time, with passes in between.
    const seen: string[][] = [];
    lag.on = false;
    while (lag.held.length > 0) {
      lag.held.shift()?.();
      for (let t = 0; t < 10; t++) {
        clock.advance(50);
        await flush();
        seen.push((await placement(registry))['x.service'] ?? []);
      }
    }
    clock.advance(5_000);
    await flush();
    seen.push((await placement(registry))['x.service'] ?? []);
    expect(seen.every((p) => p.length === 1 && p[0] === second)).toBe(true);
    const tasks = log.records
      .filter((r) => r.msg === 'applied task' && r.fields.unit === 'x.service')
      .map((r) => `${String(r.fields.task)} ${String(r.fields.machine)}`);
    expect(tasks).toEqual([
      `schedule ${first}`,
      `unschedule ${first}`,
      `schedule ${String(second)}`,
    ]);
  });

  it('after a write that commits and then throws, plans from a fresh listing: no second copy, no conflict', async () => {
    const lag = { on: false, held: [] as (() => void)[] };
    const faults = { ambiguous: 0 };
    const proxy = overriding(registry, {
      ...laggingWatch(registry, lag),
      applyAssignments: async (...a: Parameters<Registry['applyAssignments']>) => {
        const r = await registry.applyAssignments(...a);
        if (faults.ambiguous > 0) {
          faults.ambiguous--;
          throw new UnavailableError(['http://127.0.0.1:2379']); // committed; the reply was lost
        }
        return r;
      },
    });
    const e = start(proxy);
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    lag.on = true;
    faults.ambiguous = 1;
    await registry.createUnit(unitInput('a.service'));
    await advanceUntil(clock, async () => (await placement(registry))['a.service'] !== undefined);
    const failures = e.metrics.reconcileFailures;
    expect(failures).toBe(1);
    // More work arrives before the next pass: a unit that shifts the plan, and one that
    // conflicts with a.service.
    await registry.createUnit(unitInput('0.service'));
    await registry.createUnit(unitInput('b.service', ['Conflicts=a.service']));
    const checks: string[] = [];
    const check = async () => {
      const p = await placement(registry);
      if ((p['a.service']?.length ?? 0) > 1) checks.push(`two copies of a: ${JSON.stringify(p)}`);
      for (const m of p['b.service'] ?? [])
        if (p['a.service']?.includes(m) === true) checks.push(`a and b on ${m}`);
    };
    await advanceUntil(
      clock,
      async () => {
        await check();
        return (await placement(registry))['b.service'] !== undefined;
      },
      { maxMs: 10_000 },
    );
    lag.on = false;
    while (lag.held.length > 0) lag.held.shift()?.();
    for (let t = 0; t < 100; t++) {
      clock.advance(50);
      await flush();
      await check();
    }
    expect(checks).toEqual([]);
    const p = await placement(registry);
    expect(p['a.service']).toHaveLength(1);
    expect(p['b.service']).toHaveLength(1);
    expect(p['b.service']?.[0]).not.toBe(p['a.service']?.[0]);
    expect(e.metrics.reconcileFailures).toBe(failures);
  });

  it('lists the cluster again after a reason write fails', async () => {
    const faults = { reason: 0 };
    let loads = 0;
    const proxy = overriding(registry, {
      listUnits: () => {
        loads++;
        return registry.listUnits();
      },
      setUnitReason: async (...a: Parameters<Registry['setUnitReason']>) => {
        const r = await registry.setUnitReason(...a);
        if (faults.reason > 0) {
          faults.reason--;
          throw new UnavailableError(['http://127.0.0.1:2379']);
        }
        return r;
      },
    });
    const e = start(proxy);
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    const before = loads;
    faults.reason = 1;
    await registry.createUnit(unitInput('nowhere.service', ['MachineMetadata=role=none']));
    await advanceUntil(clock, () => e.metrics.reconcileFailures > 0);
    await advanceUntil(clock, () => loads > before, { maxMs: 5_000 });
    expect((await registry.getUnit('nowhere.service'))?.reason).toBe(
      'no machine has metadata role=none',
    );
  });
});
