// Three real machines: every [X-Fleet] rule, as systemd really runs it on each machine, and the
// faults a cluster must survive (a machine powered off, drained, partitioned; the engine leader's
// fleetd killed).
import { sleep, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, loopUnit, sh } from './src/index.js';

describe('a 3-machine cluster', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3, metadata: (i) => `hostname=node${i}` });
  });
  afterAll(async () => {
    await c?.teardown();
  });

  /** The API of a machine other than those a fault test is hurting. */
  let via = 'node1';
  const api = () => c.api(via);
  const start = async (name: string, xfleet: string[] = []) =>
    api().createUnit({ ...loopUnit(name, xfleet), desiredState: 'launched' });
  const activeOn = async (name: string, n = 1, timeoutMs = 30_000) =>
    waitFor(
      async () => ((await c.whereActive(name)).length === n ? c.whereActive(name) : undefined),
      {
        timeoutMs,
        intervalMs: 200,
        what: `${name} active on ${n} machine(s)`,
      },
    );
  const destroyAll = async () => {
    for (const u of await api().listUnits()) await api().destroyUnit(u.name);
    await waitFor(async () => (await c.registry.listUnitStates()).items.length === 0, {
      timeoutMs: 30_000,
      what: 'every unit to be unloaded',
    });
  };

  it('runs 3 of 5 mutually conflicting units, one per machine, and says why the others wait', async () => {
    for (let i = 0; i < 5; i++) await start(`conflict.${i}.service`, ['Conflicts=conflict.*']);
    await waitFor(
      async () => {
        let n = 0;
        for (let i = 0; i < 5; i++) n += (await c.whereActive(`conflict.${i}.service`)).length;
        return n === 3;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: '3 conflicting units active' },
    );
    const where = [];
    for (let i = 0; i < 5; i++) where.push(...(await c.whereActive(`conflict.${i}.service`)));
    expect(new Set(where).size).toBe(3);
    const waiting = (await api().listUnits()).filter((u) => u.reason !== undefined);
    expect(waiting).toHaveLength(2);
    expect(waiting[0]?.reason).toMatch(/conflicting unit conflict\.\d\.service/);
    await destroyAll();
  });

  it('co-locates MachineOf pairs, pins MachineID, and places template instances by %i metadata', async () => {
    await start('ping.service');
    await start('pong.service', ['MachineOf=ping.service']);
    const target = c.node('node3');
    await start('pinned.service', [`MachineID=${target.machineId}`]);
    await start('metadata@node2.service', ['MachineMetadata=hostname=%i']);
    await start('metadata@nowhere.service', ['MachineMetadata=hostname=%i']);
    const [pingOn] = await activeOn('ping.service');
    expect(await activeOn('pong.service')).toEqual([pingOn]);
    expect(await activeOn('pinned.service')).toEqual(['node3']);
    expect(await activeOn('metadata@node2.service')).toEqual(['node2']);
    await waitFor(async () => (await api().getUnit('metadata@nowhere.service'))?.reason, {
      timeoutMs: 15_000,
      what: 'a reason',
    });
    expect((await api().getUnit('metadata@nowhere.service'))?.reason).toBe(
      'no machine has metadata hostname=nowhere',
    );
    await destroyAll();
  });

  it('runs a global unit on every machine; a conflicting global unit on none, with the reason', async () => {
    await start('a.service');
    await start('b.service');
    await start('conflict-global.0.service', ['Global=true', 'Conflicts=conflict-global.*']);
    await start('conflict-global.1.service', ['Global=true', 'Conflicts=conflict-global.*']);
    expect(await activeOn('conflict-global.0.service', 3)).toEqual(['node1', 'node2', 'node3']);
    await activeOn('a.service');
    await activeOn('b.service');
    await sleep(2_000);
    expect(await c.whereActive('conflict-global.1.service')).toEqual([]);
    expect((await api().getUnit('conflict-global.1.service'))?.reason).toMatch(
      /^not running on 3 eligible machine\(s\)/,
    );
    await destroyAll();
  });

  it('moves the units of a machine that is powered off, within TTL and a reconcile', async () => {
    await start('survivor.service');
    const [victim] = await activeOn('survivor.service');
    if (victim === undefined) throw new Error('not running');
    const t0 = Date.now();
    await c.powerOff(victim);
    const [now] = await activeOn('survivor.service', 1, 60_000);
    console.log(
      `[e2e] powered-off machine's unit active elsewhere after ${Date.now() - t0} ms (agent_ttl 5s)`,
    );
    expect(now).not.toBe(victim);
    await c.powerOn(victim);
    await c.waitMachines(3);
    await destroyAll();
  });

  it('drains a machine on `systemctl stop fleet`: its units run elsewhere', async () => {
    await start('drained.service');
    const [from] = await activeOn('drained.service');
    if (from === undefined) throw new Error('not running');
    await c.stopFleet(from);
    const [to] = await activeOn('drained.service', 1, 30_000);
    expect(to).not.toBe(from);
    await c.startFleet(from);
    await c.waitMachines(3);
    await destroyAll();
  });

  it('keeps the units of a machine whose fleetd crashes and is restarted: they run on, unmoved', async () => {
    // A machine other than the engine leader's, so this is the agent's takeover alone. Its
    // agent_ttl is fleet's default of 30 s here, longer than systemd's RestartSec=5s (the suite's
    // 5 s TTL would expire before the restarted fleetd is up, which is a power cut, tested above).
    const leader = await c.registry.getLeader();
    const m = c.nodes.find((n) => n.machineId !== leader?.candidateId);
    if (m === undefined) throw new Error('no machine other than the leader');
    via = c.nodes.find((n) => n !== m)?.name ?? 'node1';
    const setTtl = async (ttl: string) => {
      await sh(m, `sed -i 's/^agent_ttl=.*/agent_ttl=${ttl}/' /etc/fleet/fleet.conf`);
      await sh(m, 'systemctl restart fleet.service', 120_000);
      await c.waitMachines(3);
    };
    await setTtl('30s');
    try {
      await start('steady.service', [`MachineID=${m.machineId}`]);
      await activeOn('steady.service');
      const pid = await c.prop(m.name, 'steady.service', 'MainPID');
      const fleetdPid = () => c.prop(m.name, 'fleet.service', 'MainPID');
      const before = await fleetdPid();
      const left: string[] = [];
      const w = c.registry.watchMachines((await c.registry.listMachines()).revision, (e) => {
        if (e.type === 'delete') left.push(e.machineId);
      });
      try {
        const record = async () =>
          (await c.registry.listMachines()).items.find((x) => x.id === m.machineId);
        const was = BigInt((await record())?.revision ?? '0');
        const t0 = Date.now();
        await c.killFleet(m.name); // systemd restarts it after RestartSec=5s
        // The dead fleetd writes nothing: a newer machine record is the restarted one's.
        await waitFor(async () => BigInt((await record())?.revision ?? '0') > was, {
          timeoutMs: 60_000,
          intervalMs: 250,
          what: 'the restarted fleetd to register',
        });
        expect(await fleetdPid()).not.toBe(before);
        await waitFor(
          async () =>
            (await c.registry.listUnitStates({ machineId: m.machineId })).items[0]?.activeState ===
            'active',
          { timeoutMs: 30_000, intervalMs: 250, what: 'the unit state published again' },
        );
        console.log(`[e2e] restarted fleetd took its machine over in ${Date.now() - t0} ms`);
        expect(left).toEqual([]);
        expect(await c.whereActive('steady.service')).toEqual([m.name]);
        expect(await c.prop(m.name, 'steady.service', 'MainPID')).toBe(pid);
      } finally {
        await w.close();
      }
      await destroyAll();
    } finally {
      await setTtl('5s');
    }
  });

  it("keeps scheduling when the engine leader's fleetd is killed", async () => {
    const leader = await c.registry.getLeader();
    const name = c.nodes.find((m) => m.machineId === leader?.candidateId)?.name;
    if (name === undefined) throw new Error(`no leader machine (${JSON.stringify(leader)})`);
    via = c.nodes.find((m) => m.name !== name)?.name ?? 'node1';
    const t0 = Date.now();
    await c.killFleet(name);
    await start('after-failover.service');
    await activeOn('after-failover.service', 1, 60_000);
    console.log(`[e2e] unit started after the leader's fleetd was killed in ${Date.now() - t0} ms`);
    await c.waitMachines(3);
    await destroyAll();
  });

  it('moves the units of a machine cut from etcd past its TTL; its stale copy stops when it returns', async () => {
    await start('partitioned.service');
    const [cutOff] = await activeOn('partitioned.service');
    if (cutOff === undefined) throw new Error('not running');
    via = c.nodes.find((m) => m.name !== cutOff)?.name ?? 'node1';
    c.cut(cutOff);
    // Elsewhere it starts once the cut machine's lease expires; the cut machine cannot know yet.
    await waitFor(
      async () => (await c.whereActive('partitioned.service')).some((m) => m !== cutOff),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'a second copy elsewhere',
      },
    );
    c.restore(cutOff);
    // Back in touch, the stale copy stops: one copy, not on the cut machine.
    const [after] = await activeOn('partitioned.service', 1, 60_000);
    expect(after).not.toBe(cutOff);
    await c.waitMachines(3);
    await destroyAll();
  });
});
