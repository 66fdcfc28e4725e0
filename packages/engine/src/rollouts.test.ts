import type {
  InMemoryRegistry,
  Leadership,
  MachineSession,
  Registry,
  UnitInput,
} from '@fleet/registry';
import { stall } from '@fleet/registry/testing';
import { overriding } from '@fleet/testkit';
import type { RolloutLogEvent } from '@fleet/scheduler';
import { xfleetOptions } from '@fleet/scheduler/testing';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from './engine.js';
import { RolloutController } from './rollouts.js';
import { EngineBench, M1, M2, M3 } from './testing/index.js';
import { RolloutWorld } from './testing/rollout-world.js';

const GROUP = 'web@.service';
const WEB = [1, 2, 3, 4, 5, 6].map((i) => `web@${i}.service`);

/** One version of the web service: the same contents for every instance, as from a template. */
function version(v: string, xfleet: readonly string[]): UnitOption[] {
  return [
    { section: 'Service', name: 'ExecStart', value: `/bin/web --version ${v}` },
    ...xfleetOptions(xfleet),
  ];
}

describe('rolling updates driven by the engine', () => {
  let bench: EngineBench;
  let registry: InMemoryRegistry;
  let sessions: MachineSession[];
  let world: RolloutWorld;
  let events: RolloutLogEvent[];

  beforeEach(async () => {
    bench = new EngineBench();
    registry = bench.registry;
    sessions = await bench.register([M1, M2, M3]);
    world = new RolloutWorld(registry, bench.clock, sessions);
    events = [];
  });

  afterEach(() => bench.close());

  /** An engine (candidate `id`) with rollouts looked at every second. */
  function engine(id = M1, store: Registry = registry): Engine {
    const rollouts = new RolloutController({
      registry: store,
      clock: bench.clock,
      onRolloutEvent: (e) => events.push(e),
    });
    return bench.engine({ registry: store, candidateId: id, rollouts });
  }

  async function submit(names: readonly string[], options: UnitOption[]): Promise<string> {
    for (const name of names) {
      const input: UnitInput = { name, options, desiredState: 'launched' };
      if ((await registry.getUnit(name)) === undefined) await registry.createUnit(input);
      else await registry.replaceUnit(input);
    }
    return unitHash(options);
  }

  /** Runs the clock (agents acting) until `done`; returns the fewest active copies seen. */
  async function runUntil(prefix: string, done: () => Promise<boolean>, what: string) {
    let fewest = Infinity;
    await bench.until(
      async () => {
        await world.sync();
        fewest = Math.min(fewest, await world.healthy(prefix));
        return done();
      },
      { stepMs: 100, maxMs: 180_000, what },
    );
    return fewest;
  }

  const finished = (group: string, state: string) => async () => {
    const r = await registry.getRollout(group);
    return r.current === undefined && r.history[0]?.state === state;
  };

  async function hashes(prefix: string): Promise<string[]> {
    const all = (await registry.listAssignments()).items;
    return [...new Set(all.filter((a) => a.unit.startsWith(prefix)).map((a) => a.hash))];
  }

  it('rolls a 6-instance template 2 at a time, never with fewer than 4 copies active', async () => {
    const policy = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=5'];
    const v1 = await submit(WEB, version('1', policy));
    const e = engine();
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 running');
    const v2 = await submit(WEB, version('2', policy));
    const fewest = await runUntil('web@', finished(GROUP, 'succeeded'), 'the rollout');
    // A wave's updates were planned in a pass over the group's units, not over the cluster.
    expect(e.metrics.lastTaskPass.kind).toBe('changes');
    expect(fewest).toBeGreaterThanOrEqual(4);
    expect(await hashes('web@')).toEqual([v2]);
    const record = (await registry.getRollout(GROUP)).history[0];
    expect(record).toMatchObject({ id: 1, fromHash: v1, toHash: v2, units: WEB });
    expect(record?.copies.map((c) => c.phase)).toEqual(WEB.map(() => 'done'));
    expect(events.map((e) => e.kind)).toEqual([
      'rollout.started',
      'rollout.step',
      'rollout.step',
      'rollout.step',
      'rollout.succeeded',
    ]);
    // Waves of two: every step released two copies.
    for (const e of events.filter((x) => x.kind === 'rollout.step'))
      expect(e.message.match(/\.service on /g)).toHaveLength(2);
  });

  it('rolls a failing version back by itself, and the record says why', async () => {
    const policy = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=5'];
    const v1 = await submit(WEB, version('1', policy));
    engine();
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 running');
    const bad = unitHash(version('2', policy));
    world.behaviour.set(bad, 'fails');
    await submit(WEB, version('2', policy));
    await runUntil('web@', finished(GROUP, 'rolled-back'), 'the rollback');
    const record = (await registry.getRollout(GROUP)).history[0];
    expect(record?.reason).toMatch(/^web@[12]\.service on [a-z0-9]+: unit failed$/);
    expect(record?.copies.filter((c) => c.phase === 'reverted')).toHaveLength(2);
    // Only the first wave ever got the bad version; units and copies are back on v1.
    expect(world.given.get(bad)?.size).toBe(2);
    for (const name of WEB) expect((await registry.getUnit(name))?.hash).toBe(v1);
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 back');
    expect(await hashes('web@')).toEqual([v1]);
    expect(events.map((e) => e.kind)).toEqual([
      'rollout.started',
      'rollout.step',
      'rollout.failed',
      'rollout.rolled-back',
    ]);
  });

  it('without UpdateAutoRevert holds a failed rollout until a fixed version is applied', async () => {
    const policy = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=5', 'UpdateAutoRevert=false'];
    const v1 = await submit(WEB, version('1', policy));
    engine();
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 running');
    const bad = unitHash(version('2', policy));
    world.behaviour.set(bad, 'fails');
    await submit(WEB, version('2', policy));
    const failed = async () => (await registry.getRollout(GROUP)).current?.state === 'failed';
    await runUntil('web@', failed, 'the failure');
    const until = bench.clock.now() + 30_000;
    await runUntil('web@', async () => bench.clock.now() >= until, '30 s failed');
    // Nothing more was released, nothing put back: the operator decides.
    expect(world.given.get(bad)?.size).toBe(2);
    expect((await hashes('web@')).sort()).toEqual([v1, bad].sort());
    const fixed = await submit(WEB, version('3', policy));
    await runUntil('web@', finished(GROUP, 'succeeded'), 'the fixed version');
    expect(await hashes('web@')).toEqual([fixed]);
    const history = (await registry.getRollout(GROUP)).history;
    expect(history.map((h) => [h.id, h.state, h.fromHash])).toEqual([
      [2, 'succeeded', v1],
      [1, 'failed', v1],
    ]);
    expect(history[1]?.reason).toMatch(/: unit failed; superseded: the group changed to /);
  });

  it('continues a rollout after the leader dies mid-way, from the record', async () => {
    const policy = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=5'];
    await submit(WEB, version('1', policy));
    let held: Leadership | undefined;
    const kept = overriding<Registry>(registry, {
      campaign: async (id: string, ttl: number) => (held = await registry.campaign(id, ttl)),
    });
    const first = engine(M1, kept);
    await bench.until(() => first.isLeader(), { what: 'the first leader' });
    const second = engine(M2);
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 running');
    const v2 = await submit(WEB, version('2', policy));
    let fewest = await runUntil(
      'web@',
      async () => {
        const r = (await registry.getRollout(GROUP)).current;
        return (r?.copies.filter((c) => c.phase === 'done').length ?? 0) >= 2;
      },
      'the first wave',
    );
    const before = (await registry.getRollout(GROUP)).current;
    // The leader's engine dies: its lease is no longer renewed and runs out.
    if (held === undefined) throw new Error('the first engine never led');
    stall(held);
    await first.stop({ resign: false });
    fewest = Math.min(
      fewest,
      await runUntil('web@', finished(GROUP, 'succeeded'), 'the rollout under the new leader'),
    );
    expect(second.isLeader()).toBe(true);
    expect(fewest).toBeGreaterThanOrEqual(4);
    expect(await hashes('web@')).toEqual([v2]);
    const r = await registry.getRollout(GROUP);
    expect(r.history.map((h) => [h.id, h.state])).toEqual([[1, 'succeeded']]);
    // The copies done under the first leader were kept as they were.
    for (const c of before?.copies.filter((x) => x.phase === 'done') ?? [])
      expect(r.history[0]?.copies).toContainEqual(c);
  });

  it('holds new waves while paused, and goes on once resumed', async () => {
    const policy = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=5'];
    await submit(WEB, version('1', policy));
    engine();
    await runUntil('web@', async () => (await world.healthy('web@')) === 6, 'v1 running');
    const v2 = await submit(WEB, version('2', policy));
    const inPhase = async (phase: string) =>
      (await registry.getRollout(GROUP)).current?.copies.filter((c) => c.phase === phase).length ??
      0;
    await runUntil('web@', async () => (await inPhase('replacing')) === 2, 'the first wave');
    await registry.setRolloutState(GROUP, 'paused', 'looking at the logs');
    await runUntil('web@', async () => (await inPhase('done')) === 2, 'the first wave done');
    const until = bench.clock.now() + 20_000;
    await runUntil('web@', async () => bench.clock.now() >= until, '20 s paused');
    expect((await registry.getRollout(GROUP)).current).toMatchObject({
      state: 'paused',
      reason: 'looking at the logs',
    });
    expect(await inPhase('done')).toBe(2);
    expect(world.given.get(v2)?.size).toBe(2);
    await registry.setRolloutState(GROUP, 'running');
    await runUntil('web@', finished(GROUP, 'succeeded'), 'the rollout once resumed');
    expect(await hashes('web@')).toEqual([v2]);
  });

  it('rolls a global unit machine by machine', async () => {
    const policy = ['Global=true', 'UpdateMinHealthySec=3'];
    await submit(['g.service'], version('1', policy));
    engine();
    await runUntil('g.service', async () => (await world.healthy('g.service')) === 3, 'v1');
    const v2 = await submit(['g.service'], version('2', policy));
    const fewest = await runUntil('g.service', finished('g.service', 'succeeded'), 'the rollout');
    expect(fewest).toBeGreaterThanOrEqual(2);
    expect(await hashes('g.service')).toEqual([v2]);
    const steps = events.filter((e) => e.kind === 'rollout.step').map((e) => e.message);
    expect(steps.map((m) => m.split(': replacing ')[1]?.split(' (')[0])).toEqual([
      `g.service on ${M1}`,
      `g.service on ${M2}`,
      `g.service on ${M3}`,
    ]);
  });
});
