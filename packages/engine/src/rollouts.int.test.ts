// A rolling update and an automatic rollback on real etcd: the rollout records, the fenced
// writes, the content pins that keep the old version loadable and the rollback's unit writes,
// with an in-process engine and stand-in agents that publish unit states through real sessions.
import type { MachineSession, UnitInput } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { systemClock } from '@fleet/runtime';
import type { RolloutLogEvent } from '@fleet/scheduler';
import { xfleetOptions } from '@fleet/scheduler/testing';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { RolloutController } from './rollouts.js';
import { machineRecord } from './testing/index.js';
import { RolloutWorld } from './testing/rollout-world.js';

const M1 = 'a1000000000000000000000000000001';
const M2 = 'b2000000000000000000000000000002';
const GROUP = 'web@.service';
const WEB = [1, 2, 3, 4].map((i) => `web@${i}.service`);
const POLICY = ['UpdateMaxParallel=2', 'UpdateMinHealthySec=1'];

const version = (v: string): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: `/bin/web --version ${v}` },
  ...xfleetOptions(POLICY),
];

describe('rollouts on real etcd', () => {
  let etcd: EtcdCluster;
  let registry: EtcdRegistry;
  let engine: Engine | undefined;
  const sessions: MachineSession[] = [];
  const events: RolloutLogEvent[] = [];

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
  });

  afterAll(async () => {
    await engine?.stop();
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await registry?.close();
    await etcd?.stop();
  });

  it('rolls 4 copies 2 at a time, then rolls a failing version back by itself', async () => {
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: '/rollouts/' });
    for (const id of [M1, M2]) sessions.push(await registry.registerMachine(machineRecord(id), 10));
    const world = new RolloutWorld(registry, systemClock, sessions, 300);
    let fewest = Infinity;
    const until = (done: () => Promise<boolean>, what: string) =>
      waitFor(
        async () => {
          await world.sync();
          fewest = Math.min(fewest, await world.healthy('web@'));
          return done();
        },
        { timeoutMs: 45_000, intervalMs: 100, what },
      );
    const submit = async (options: UnitOption[]) => {
      for (const name of WEB) {
        const input: UnitInput = { name, options, desiredState: 'launched' };
        if ((await registry.getUnit(name)) === undefined) await registry.createUnit(input);
        else await registry.replaceUnit(input);
      }
      return unitHash(options);
    };
    const finished = (state: string) => async () => {
      const r = await registry.getRollout(GROUP);
      return r.current === undefined && r.history[0]?.state === state;
    };
    const hashes = async () => [
      ...new Set((await registry.listAssignments()).items.map((a) => a.hash)),
    ];

    const v1 = await submit(version('1'));
    const rollouts = new RolloutController({ registry, onRolloutEvent: (e) => events.push(e) });
    engine = new Engine({ registry, candidateId: M1, rollouts });
    engine.start();
    await until(async () => (await world.healthy('web@')) === 4, 'v1 active');

    fewest = Infinity;
    const v2 = await submit(version('2'));
    await until(finished('succeeded'), 'the rollout to v2');
    expect(fewest).toBeGreaterThanOrEqual(2);
    expect(await hashes()).toEqual([v2]);
    expect((await registry.getRollout(GROUP)).history[0]).toMatchObject({
      id: 1,
      fromHash: v1,
      toHash: v2,
    });

    const v3 = unitHash(version('3'));
    world.behaviour.set(v3, 'fails');
    await submit(version('3'));
    await until(finished('rolled-back'), 'the rollback of v3');
    const back = (await registry.getRollout(GROUP)).history[0];
    expect(back).toMatchObject({ id: 2, fromHash: v2, toHash: v3 });
    expect(back?.reason).toMatch(/^web@[12]\.service on [a-z0-9]+: unit failed$/);
    for (const name of WEB) expect((await registry.getUnit(name))?.hash).toBe(v2);
    await until(async () => (await hashes()).join() === v2, 'every copy back on v2');
    expect(world.given.get(v3)?.size).toBe(2);
    expect(events.map((e) => e.kind)).toEqual([
      'rollout.started',
      'rollout.step',
      'rollout.step',
      'rollout.succeeded',
      'rollout.started',
      'rollout.step',
      'rollout.failed',
      'rollout.rolled-back',
    ]);
  });
});
