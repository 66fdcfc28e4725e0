// Cordon and drain through the engine: a cordoned machine takes no new unit; a draining one sees
// its non-global units move away one copy of a group at a time (UpdateMaxParallel=1), each next
// copy once the moved one has been healthy for UpdateMinHealthySec; global units stay.
import type { EventInput } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2, M3, unitInput } from './testing/index.js';
import { RolloutWorld } from './testing/rollout-world.js';

const since = '2026-12-04T20:00:00.000Z';
const WEB = ['UpdateMaxParallel=1', 'UpdateMinHealthySec=3', 'UpdateHealthyDeadlineSec=60'];

describe('cordoned and draining machines', () => {
  let bench: EngineBench;
  let world: RolloutWorld;
  const events: EventInput[] = [];

  beforeEach(async () => {
    bench = new EngineBench();
    await bench.register([M1, M2, M3]);
    world = new RolloutWorld(bench.registry, bench.clock, bench.sessions);
    events.length = 0;
  });
  afterEach(() => bench.close());

  it('places nothing new on a cordoned machine, and again once uncordoned', async () => {
    await bench.registry.setMachineAdmin(M1, { state: 'cordoned', since });
    bench.engine({ events: { emit: (e) => events.push(e) } });
    for (const n of ['a', 'b', 'c', 'd'])
      await bench.registry.createUnit(unitInput(`${n}.service`));
    await bench.until(async () => Object.keys(await bench.placement()).length === 4);
    await bench.run(2_000);
    const where = Object.values(await bench.placement()).flat();
    expect(where).not.toContain(M1);
    expect(where).toHaveLength(4);
    await bench.registry.setMachineAdmin(M1, null);
    await bench.registry.createUnit(unitInput('e.service'));
    await bench.until(async () => (await bench.placement())['e.service']?.[0] === M1);
  });

  it('plans nothing in a term until it has read which machines are cordoned', async () => {
    await bench.registry.setMachineAdmin(M1, { state: 'cordoned', since });
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f'])
      await bench.registry.createUnit(unitInput(`${n}.service`));
    // The term's first read of the records is slow (etcd busy): the cache loads before it.
    const list = bench.registry.listMachineAdmin.bind(bench.registry);
    let release = (): void => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    bench.registry.listMachineAdmin = async () => {
      await slow;
      return list();
    };
    bench.engine();
    await bench.run(3_000);
    expect(await bench.placement()).toEqual({});
    release();
    await bench.until(async () => Object.keys(await bench.placement()).length === 6);
    expect(Object.values(await bench.placement()).flat()).not.toContain(M1);
  });

  it('moves a draining machine’s units within the rollout limits; global ones stay', async () => {
    bench.engine({ events: { emit: (e) => events.push(e) } });
    // Six copies of web, two per machine; and a global unit on every machine.
    for (let i = 1; i <= 6; i++)
      await bench.registry.createUnit(unitInput(`web@${i}.service`, WEB));
    await bench.registry.createUnit(unitInput('g.service', ['Global=true']));
    const settled = async () => {
      await world.sync();
      return (await world.healthy('web@')) === 6;
    };
    await bench.until(settled, { stepMs: 100 });
    const onM1 = async () =>
      Object.entries(await bench.placement())
        .filter(([, ms]) => ms.includes(M1))
        .map(([u]) => u);
    expect((await onM1()).filter((u) => u.startsWith('web@'))).toHaveLength(2);

    await bench.registry.setMachineAdmin(M1, { state: 'draining', since });
    let fewest = 6;
    await bench.until(
      async () => {
        await world.sync();
        // Active copies where they are assigned now (a copy on its way counts as away).
        const placed = await bench.placement();
        const states = (await bench.registry.listUnitStates()).items;
        const up = states.filter(
          (s) =>
            s.unit.startsWith('web@') &&
            s.activeState === 'active' &&
            placed[s.unit]?.includes(s.machineId) === true,
        ).length;
        fewest = Math.min(fewest, up);
        return up === 6 && (await onM1()).every((u) => !u.startsWith('web@'));
      },
      { stepMs: 100 },
    );
    expect(fewest).toBe(5); // never fewer than 6 - UpdateMaxParallel
    expect(await onM1()).toEqual(['g.service']);
    await bench.until(() => events.some((e) => e.kind === 'machine.drained'));
    expect(events.filter((e) => e.kind === 'machine.drained')).toEqual([
      expect.objectContaining({ machineId: M1 }),
    ]);
  });

  it('keeps a unit that fits on no other machine, with a reason', async () => {
    bench.engine();
    await bench.registry.createUnit(unitInput('pinned.service', [`MachineID=${M1}`]));
    await bench.until(async () => (await bench.placement())['pinned.service']?.[0] === M1);
    await bench.registry.setMachineAdmin(M1, { state: 'draining', since });
    await bench.until(async () => {
      const reason = (await bench.registry.getUnit('pinned.service'))?.reason ?? '';
      return reason.startsWith('drain: no other machine can take it from');
    });
    expect((await bench.placement())['pinned.service']).toEqual([M1]);
  });
});
