// A killed engine leader, at the default timings: a follower leads within the 3 s lease and its
// jitter, and a unit created right after the kill goes to a live machine, not to the dead leader's
// machine whose record has not expired yet (the 26 s worst case of issue 15).
import type { Leadership, MachineSession, Registry } from '@fleet/registry';
import { stall } from '@fleet/registry/testing';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { EngineBench, M1, M2, M3, machineRecord, unitInput } from './testing/index.js';

/** fleetd's default agent_ttl. */
const TTL_S = 5;

describe('failover at the default timings', () => {
  let bench: EngineBench;
  let sessions: MachineSession[];
  let held: Leadership | undefined;
  let a: Engine;

  beforeEach(async () => {
    bench = new EngineBench();
    sessions = await bench.register([M1, M2, M3], TTL_S);
    // Engine A (machine M1) leads; its leadership is kept to be stalled as a kill would.
    const registry = overriding<Registry>(bench.registry, {
      campaign: async (id: string, ttl: number) => (held = await bench.registry.campaign(id, ttl)),
    });
    a = bench.engine({ registry, candidateId: M1 });
    await bench.until(() => a.isLeader());
    // One unit on each other machine: M1, first by ID and least loaded, is where a new unit goes.
    await bench.registry.createUnit(unitInput('on-m2.service', [`MachineID=${M2}`]));
    await bench.registry.createUnit(unitInput('on-m3.service', [`MachineID=${M3}`]));
    await bench.until(async () => Object.keys(await bench.placement()).length === 2);
    for (const id of [M2, M3]) bench.engine({ candidateId: id, random: () => 0.999 });
    await bench.run(1_000);
  });

  afterEach(() => bench.close());

  /** M1's fleetd is killed: its engine and its agent stop, their leases run out. */
  async function kill(): Promise<void> {
    if (held === undefined) throw new Error('A never led');
    stall(held);
    sessions[0]?.release();
    await a.stop({ resign: false });
  }

  const leader = async () => (await bench.registry.getLeader())?.candidateId;

  it('has a 3 s leader lease, and a follower leads within 250 ms of its expiry', async () => {
    expect(a.leaseTtlSeconds).toBe(3);
    let vacantAt: number | undefined;
    const w = bench.registry.watchLeader((e) => {
      if (e.type === 'leader' && e.leader === undefined) vacantAt ??= bench.clock.monotonic();
    });
    const killedAt = bench.clock.monotonic();
    await kill();
    await bench.until(async () => ![undefined, M1].includes(await leader()), { stepMs: 10 });
    const ledAt = bench.clock.monotonic();
    await w.close();
    if (vacantAt === undefined) throw new Error('the leader key never vanished');
    expect(vacantAt - killedAt).toBeLessThanOrEqual(3_000);
    expect(ledAt - vacantAt).toBeLessThanOrEqual(250 + 10); // the jitter (random 0.999), a step
  });

  it("places a unit created right after the kill on a live machine, not on the dead leader's", async () => {
    await kill();
    await bench.registry.createUnit(unitInput('after.service'));
    const took = await bench.until(
      async () => (await bench.placement())['after.service'] !== undefined,
      { stepMs: 10 },
    );
    // Within the lease, the jitter and a pass: inside the new leader's grace (30 s here), which
    // holds back nothing on live machines.
    expect(took).toBeLessThan(3_000 + 250 + 1_000);
    // M1's record is still there (its lease renewed after the leader's), yet it took nothing new.
    expect((await bench.registry.listMachines()).items.map((m) => m.id)).toContain(M1);
    expect((await bench.placement())['after.service']).not.toEqual([M1]);
    // Once M1's record expires, nothing has to move.
    await bench.until(async () => (await bench.registry.listMachines()).items.length === 2);
    const where = (await bench.placement())['after.service'];
    await bench.run(2_000);
    expect((await bench.placement())['after.service']).toEqual(where);
  });

  it('places new units on the machine again once a restarted fleetd registers it', async () => {
    await kill();
    await bench.until(async () => ![undefined, M1].includes(await leader()), { stepMs: 10 });
    // Its fleetd restarted: it takes the machine over from the dead session (a new record).
    const replacing = sessions[0]?.leaseId ?? '';
    await bench.registry.registerMachine(machineRecord(M1), TTL_S, { replacing });
    await bench.run(100);
    await bench.registry.createUnit(unitInput('back.service'));
    const took = await bench.until(
      async () => (await bench.placement())['back.service'] !== undefined,
      { stepMs: 10 },
    );
    expect((await bench.placement())['back.service']).toEqual([M1]);
    expect(took).toBeLessThan(1_000); // at once, not when the suspicion would have run out
  });

  it('keeps its term through an etcd outage past its fence: suspended, then resumed by a renewal', async () => {
    if (held === undefined) throw new Error('A never led');
    const lease = (held as unknown as { lease: { lastRenewedAt(): number } }).lease;
    const token = held.token;
    // From 450 ms after a renewal: fenced at +2,500, the lease expires at +3,000 unrenewed.
    await bench.until(() => bench.clock.monotonic() - lease.lastRenewedAt() >= 450, { stepMs: 10 });
    const from = lease.lastRenewedAt();
    bench.registry.faults.setUnavailable(true); // etcd electing its leader
    await bench.until(() => bench.clock.monotonic() >= from + 2_600, { stepMs: 10 });
    expect(a.isLeader()).toBe(false);
    bench.registry.faults.setUnavailable(false); // at +2,600: the next renewal is acknowledged
    await bench.until(() => a.isLeader(), { stepMs: 10 });
    expect(bench.clock.monotonic() - from).toBeLessThan(3_000);
    expect(held.signal.aborted).toBe(false);
    expect(await bench.registry.getLeader()).toMatchObject({ candidateId: M1, token });
    // And it schedules: a new unit is placed by the same term.
    await bench.registry.createUnit(unitInput('after.service'));
    await bench.until(async () => (await bench.placement())['after.service'] !== undefined);
    expect(await bench.registry.getLeader()).toMatchObject({ candidateId: M1, token });
  });

  it('suspects a live machine of a leader whose engine alone died for one TTL, no longer', async () => {
    if (held === undefined) throw new Error('A never led');
    stall(held); // the engine froze; M1's agent keeps renewing its lease
    await a.stop({ resign: false });
    await bench.until(async () => ![undefined, M1].includes(await leader()), { stepMs: 10 });
    await bench.registry.createUnit(unitInput('pinned.service', [`MachineID=${M1}`]));
    const waited = await bench.until(
      async () => (await bench.placement())['pinned.service'] !== undefined,
      { stepMs: 10 },
    );
    // From the new term's start (10 ms before the unit): M1's TTL and the expiry slack (1 s),
    // then one reconcile interval (1 s) at most.
    expect(waited).toBeGreaterThanOrEqual(TTL_S * 1000 + 1_000 - 10);
    expect(waited).toBeLessThanOrEqual(TTL_S * 1000 + 1_000 + 1_000);
    expect((await bench.placement())['pinned.service']).toEqual([M1]);
  });
});

describe('a leader whose machine expired before the new leader won', () => {
  let bench: EngineBench;

  afterEach(() => bench.close());

  it('moves its units at once: no new-leader grace for the one machine that died with the leader', async () => {
    bench = new EngineBench();
    // M1's record expires (2 s) well before its leader key (5 s): the new leader never sees it.
    const [m1] = await bench.register([M1], 2);
    await bench.register([M2, M3], TTL_S);
    let held: Leadership | undefined;
    const registry = overriding<Registry>(bench.registry, {
      campaign: async (id: string, ttl: number) => (held = await bench.registry.campaign(id, ttl)),
    });
    const a = bench.engine({ registry, candidateId: M1 });
    await bench.until(() => a.isLeader());
    await bench.registry.createUnit(unitInput('x.service'));
    await bench.until(async () => (await bench.placement())['x.service']?.[0] === M1);
    for (const id of [M2, M3]) bench.engine({ candidateId: id, random: () => 0.999 });
    await bench.run(1_000);
    if (held === undefined) throw new Error('A never led');
    const killedAt = bench.clock.monotonic();
    stall(held);
    m1?.release();
    await a.stop({ resign: false });
    await bench.until(async () => (await bench.placement())['x.service']?.[0] !== M1, {
      stepMs: 10,
    });
    // The lease (5 s), the jitter and a pass; not the new leader's grace (30 s here).
    expect(bench.clock.monotonic() - killedAt).toBeLessThan(5_000 + 250 + 1_000);
  });
});
