import type { InMemoryRegistry } from '@fleet/registry';
import { type Leadership, type MachineSession, type Registry } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { RecordingLogger, type ManualClock } from '@fleet/runtime';
import { advanceUntil, settle as flush } from '@fleet/runtime/testing';
import { EngineBench, M1, M2, M3, machineRecord, placement, unitInput } from './testing/index.js';

describe('Engine over InMemoryRegistry', () => {
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

  function engine(id: string, reg: Registry = registry, logger = new RecordingLogger()): Engine {
    return bench.engine({ registry: reg, candidateId: id, logger });
  }

  it('becomes leader and schedules every unit, with a reason logged for each task', async () => {
    await registry.createUnit(unitInput('a.service'));
    await registry.createUnit(unitInput('b.service'));
    await registry.createUnit(unitInput('idle.service', [], 'inactive'));
    const log = new RecordingLogger();
    const e = engine(M1, registry, log);
    await advanceUntil(clock, async () => Object.keys(await placement(registry)).length === 2, {
      what: 'scheduling',
    });
    expect(e.isLeader()).toBe(true);
    expect(await placement(registry)).toEqual({ 'a.service': [M1], 'b.service': [M2] });
    const applied = log.records.filter((r) => r.msg === 'applied task');
    expect(applied.map((r) => [r.fields.unit, r.fields.reason])).toEqual([
      ['a.service', 'target state launched and unit not scheduled'],
      ['b.service', 'target state launched and unit not scheduled'],
    ]);
    expect(applied[0]?.fields.component).toBe('engine');
    expect(e.metrics.tasks).toBe(2);
    expect(e.metrics.reconciles).toBeGreaterThan(0);
  });

  it('reacts to a change within the debounce window, not the reconcile interval', async () => {
    const e = engine(M1);
    await advanceUntil(clock, () => e.isLeader(), { what: 'leadership' });
    await advanceUntil(clock, () => e.metrics.reconciles > 0);
    await registry.createUnit(unitInput('late.service'));
    const took = await advanceUntil(
      clock,
      async () => (await placement(registry))['late.service'] !== undefined,
      {
        stepMs: 1,
      },
    );
    expect(took).toBeLessThan(2_000); // the reconcile interval: an event-driven pass came first
  });

  it('moves the units of a machine whose lease expired', async () => {
    await registry.createUnit(unitInput('a.service', [`MachineID=${M2}`]));
    await registry.createUnit(unitInput('b.service'));
    engine(M1);
    await advanceUntil(clock, async () => Object.keys(await placement(registry)).length === 2);
    // a.service is pinned to M2, so b.service went to the less loaded M1.
    expect(await placement(registry)).toEqual({ 'a.service': [M2], 'b.service': [M1] });
    sessions.push(await registry.registerMachine(machineRecord(M3), 30));
    // M1 dies: its session stops renewing and the lease runs out.
    await sessions[0]?.close();
    await advanceUntil(clock, async () => (await placement(registry))['b.service']?.[0] === M3);
    expect(await placement(registry)).toEqual({ 'a.service': [M2], 'b.service': [M3] });
  });

  it('keeps a unit pinned to a machine whose lease expired waiting, and says why', async () => {
    await registry.createUnit(unitInput('a.service', [`MachineID=${M2}`]));
    await registry.createUnit(unitInput('b.service'));
    engine(M1);
    await advanceUntil(clock, async () => Object.keys(await placement(registry)).length === 2);
    expect(await placement(registry)).toEqual({ 'a.service': [M2], 'b.service': [M1] });
    await sessions[1]?.close(); // M2, the machine a.service is pinned to
    await advanceUntil(
      clock,
      async () => (await registry.getUnit('a.service'))?.reason !== undefined,
    );
    expect((await registry.getUnit('a.service'))?.reason).toBe(
      `required machine ${M2} is not in the cluster`,
    );
    expect(await placement(registry)).toEqual({ 'b.service': [M1] });
  });

  it('moves at once the units of a machine that leaves during its term', async () => {
    await registry.createUnit(unitInput('a.service'));
    engine(M1);
    await advanceUntil(clock, async () => (await placement(registry))['a.service'] !== undefined);
    const host = (await placement(registry))['a.service']?.[0];
    await sessions.find((s) => s.machineId === host)?.close();
    const took = await advanceUntil(clock, async () => {
      const at = (await placement(registry))['a.service']?.[0];
      return at !== undefined && at !== host;
    });
    expect(took).toBeLessThan(30_000); // not held back by the new-leader grace period
  });

  it('after an outage, keeps the units of machines not registered yet until its grace ends', async () => {
    // Assignments from before the outage; M3 has not registered again yet.
    const l = await registry.campaign('old-leader', 5);
    if (l === undefined) throw new Error('no leadership');
    await registry.createUnit(unitInput('kept.service'));
    await registry.createUnit(unitInput('lost.service'));
    const op = (unit: string, machineId: string) => ({
      kind: 'schedule' as const,
      machineId,
      unit,
      hash: '',
      desiredState: 'launched' as const,
    });
    const head = async (n: string) => (await registry.getUnit(n))?.hash ?? '';
    await registry.applyAssignments(l.token, [
      { ...op('kept.service', M3), hash: await head('kept.service') },
      {
        ...op('lost.service', 'd4000000000000000000000000000004'),
        hash: await head('lost.service'),
      },
    ]);
    await l.resign();
    const e = engine(M1);
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    clock.advance(10_000);
    await flush();
    expect(await placement(registry)).toEqual({
      'kept.service': [M3],
      'lost.service': ['d4000000000000000000000000000004'],
    });
    sessions.push(await registry.registerMachine(machineRecord(M3), 30)); // M3 is back in time
    await advanceUntil(
      clock,
      async () =>
        (await placement(registry))['lost.service']?.[0] !== 'd4000000000000000000000000000004',
    );
    expect((await placement(registry))['kept.service']).toEqual([M3]);
  });

  it('measures its grace on the monotonic clock: an NTP step of an hour does not end it', async () => {
    const l = await registry.campaign('old-leader', 5);
    if (l === undefined) throw new Error('no leadership');
    await registry.createUnit(unitInput('kept.service'));
    const hash = (await registry.getUnit('kept.service'))?.hash ?? '';
    await registry.applyAssignments(l.token, [
      { kind: 'schedule', machineId: M3, unit: 'kept.service', hash, desiredState: 'launched' },
    ]);
    await l.resign();
    const e = engine(M1);
    await advanceUntil(clock, () => e.isLeader() && e.metrics.reconciles > 0);
    clock.stepWall(3_600_000);
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      await flush();
    }
    expect(e.isLeader()).toBe(true);
    expect(await placement(registry)).toEqual({ 'kept.service': [M3] });
  });

  it('records why a unit waits, and clears it once the unit is placed', async () => {
    await registry.createUnit(unitInput('eu.service', ['MachineMetadata=region=eu']));
    engine(M1);
    await advanceUntil(
      clock,
      async () => (await registry.getUnit('eu.service'))?.reason !== undefined,
    );
    expect((await registry.getUnit('eu.service'))?.reason).toBe(
      'no machine has metadata region=eu',
    );
    await registry.setMachineMetadata([{ machineId: M2, key: 'region', value: 'eu' }]);
    await advanceUntil(clock, async () => (await placement(registry))['eu.service'] !== undefined);
    expect((await placement(registry))['eu.service']).toEqual([M2]);
    await advanceUntil(
      clock,
      async () => (await registry.getUnit('eu.service'))?.reason === undefined,
    );
  });

  it('unschedules a unit set to inactive and a destroyed unit', async () => {
    await registry.createUnit(unitInput('a.service'));
    await registry.createUnit(unitInput('b.service'));
    engine(M1);
    await advanceUntil(clock, async () => Object.keys(await placement(registry)).length === 2);
    await registry.setDesiredState('a.service', 'inactive');
    await registry.destroyUnit('b.service');
    await advanceUntil(clock, async () => Object.keys(await placement(registry)).length === 0);
  });

  it('has one leader among two engines; the other takes over when the leader stops', async () => {
    const a = engine(M1);
    await advanceUntil(clock, () => a.isLeader());
    const b = engine(M2);
    clock.advance(5_000);
    await flush();
    expect(b.isLeader()).toBe(false);
    await registry.createUnit(unitInput('x.service'));
    await advanceUntil(clock, async () => (await placement(registry))['x.service'] !== undefined);
    await a.stop();
    expect((await registry.getLeader())?.candidateId).not.toBe(M1);
    await advanceUntil(clock, () => b.isLeader(), { what: 'B to lead' });
    await registry.createUnit(unitInput('y.service'));
    await advanceUntil(clock, async () => (await placement(registry))['y.service'] !== undefined);
  });

  it('a follower watches the leader instead of campaigning every interval, and takes over within its jitter', async () => {
    const a = engine(M1);
    await advanceUntil(clock, () => a.isLeader());
    let campaigns = 0;
    const counted: Registry = Object.create(registry) as Registry;
    counted.campaign = async (id, ttl) => (campaigns++, registry.campaign(id, ttl));
    const b = bench.engine({ registry: counted, candidateId: M2, random: () => 0.5 });
    await advanceUntil(clock, () => campaigns === 1);
    for (let i = 0; i < 60; i++) {
      clock.advance(1_000); // a minute: 30 reconcile intervals
      await flush();
    }
    expect(campaigns).toBe(1);
    await a.stop();
    const took = await advanceUntil(clock, () => b.isLeader(), { stepMs: 10, what: 'B to lead' });
    expect(took).toBeLessThan(2_000); // within the 1 s jitter, not after a poll interval
    expect(campaigns).toBe(2);
  });

  it("survives a leader change in the middle of a reconcile: the old leader's writes are refused", async () => {
    // Engine A's registry is the shared one, seen through a wrapper that can hold its writes.
    let held: (() => void) | undefined;
    let holdNext = false;
    let captured: Leadership | undefined;
    let refused = 0;
    const wrapped: Registry = Object.create(registry) as Registry;
    wrapped.campaign = async (id, ttl) => (captured = await registry.campaign(id, ttl));
    wrapped.applyAssignments = async (token, ops) => {
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((r) => (held = r));
      }
      try {
        return await registry.applyAssignments(token, ops);
      } catch (err) {
        refused++;
        throw err;
      }
    };
    const a = engine(M1, wrapped);
    await advanceUntil(clock, () => a.isLeader());
    await advanceUntil(clock, () => a.metrics.reconciles > 0);
    holdNext = true;
    await registry.createUnit(unitInput('contested.service'));
    await advanceUntil(clock, () => held !== undefined, { stepMs: 1, what: 'A to start writing' });
    // A is stuck mid-write; its lease goes (as for a paused process) and B is elected.
    await captured?.resign();
    const b = engine(M2);
    await advanceUntil(clock, () => b.isLeader(), { what: 'B to lead' });
    await advanceUntil(
      clock,
      async () => (await placement(registry))['contested.service'] !== undefined,
    );
    held?.();
    await advanceUntil(clock, () => refused > 0 && !a.isLeader(), {
      what: "A's write to be refused",
    });
    clock.advance(10_000);
    await flush();
    expect(
      (await registry.listAssignments()).items.filter((x) => x.unit === 'contested.service'),
    ).toHaveLength(1);
    expect(a.isLeader()).toBe(false);
    expect(b.isLeader()).toBe(true);
  });
});
