// Three real machines on a three-member etcd: the Replaces rules as systemd really runs them
// (where this fleet differs from the original, which moved a displaced unit blindly), a unit no
// machine can take reporting why through the API, and the etcd leader killed under a running
// cluster. The other faults (power-off, drain, fleetd leader killed, partition, one machine cut from
// etcd) are in cluster-scheduling.e2e.test.ts and fleetd.e2e.test.ts.
import type { WireUnit } from '@fleet/client';
import { sleep, waitFor } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLoad,
  etcdAgrees,
  fleetConsistent,
  loopUnit as unit,
  readLoad,
} from './src/faults.js';
import { Cluster, sh } from './src/index.js';

const NODES = ['node1', 'node2', 'node3'] as const;

describe('faults and rules on 3 machines and a 3-member etcd', () => {
  let c: Cluster;

  beforeAll(async () => {
    const t0 = Date.now();
    c = await Cluster.start({
      machines: 3,
      etcdMembers: 3,
      // node1 and node2 are the blue pool, node3 the green one.
      metadata: (i) => `hostname=node${i},pool=${i <= 2 ? 'blue' : 'green'}`,
    });
    console.log(`[e2e] 3 machines on a 3-member etcd up in ${Date.now() - t0} ms`);
  });
  afterAll(async () => {
    await c?.teardown();
  });

  const api = (via = 'node1') => c.api(via);
  const start = async (name: string, xfleet: string[] = []) =>
    api().createUnit({ ...unit(name, xfleet), desiredState: 'launched' });
  const activeOn = async (name: string, n = 1, timeoutMs = 30_000) =>
    waitFor(
      async () => ((await c.whereActive(name)).length === n ? c.whereActive(name) : undefined),
      { timeoutMs, intervalMs: 200, what: `${name} active on ${n} machine(s)` },
    );
  const one = async (name: string): Promise<string> => {
    const [m] = await activeOn(name);
    if (m === undefined) throw new Error(`${name} is not active`);
    return m;
  };
  const idOf = (name: string) => c.node(name).machineId;
  const nameOf = (machineId: string) => c.nodes.find((m) => m.machineId === machineId)?.name;
  /** `unit@machine` for every assignment in etcd, sorted. */
  const assignments = async () =>
    (await c.registry.listAssignments()).items
      .map((a) => `${a.unit}@${nameOf(a.machineId) ?? a.machineId}`)
      .sort();
  /** The unit as `GET /fleet/v1/units/<name>` on a machine's TCP API returns it, raw. */
  const getRaw = async (name: string, via = 'node1'): Promise<WireUnit> => {
    const res = await fetch(`${c.tcpEndpoint(via)}/fleet/v1/units/${name}`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status !== 200) throw new Error(`GET ${name} on ${via}: ${res.status}`);
    return (await res.json()) as WireUnit;
  };
  const reasonOf = async (name: string) =>
    waitFor(async () => (await api().getUnit(name))?.reason, {
      timeoutMs: 15_000,
      what: `a reason for ${name}`,
    });
  /** Each machine's clock, to read its journal from now on. */
  const now = async () => {
    const out = new Map<string, string>();
    for (const n of NODES)
      out.set(n, (await sh(c.node(n), 'date "+%Y-%m-%d %H:%M:%S.%6N"')).trim());
    return out;
  };
  const journal = async (node: string, name: string, since: Map<string, string>) =>
    sh(
      c.node(node),
      `journalctl -q -u ${name} --since "${since.get(node) ?? ''}" --no-pager -o cat`,
    );
  const destroyAll = async () => {
    for (const u of await api().listUnits()) await api().destroyUnit(u.name);
    await waitFor(async () => (await c.registry.listUnitStates()).items.length === 0, {
      timeoutMs: 30_000,
      what: 'every unit to be unloaded',
    });
  };
  /** Waits until etcd holds exactly these published states (`unit@node`), each active/running. */
  const published = async (want: string[]) => {
    const sorted = [...want].sort();
    await waitFor(
      async () => {
        const items = (await c.registry.listUnitStates()).items;
        const got = items.map((x) => `${x.unit}@${nameOf(x.machineId) ?? x.machineId}`).sort();
        const running = items.every((x) => x.activeState === 'active' && x.subState === 'running');
        return running && got.join() === sorted.join();
      },
      { timeoutMs: 30_000, intervalMs: 200, what: `published states ${sorted.join(', ')}` },
    );
  };
  // Every test ends with its units destroyed and unloaded everywhere, failed or not.
  afterEach(async () => {
    await destroyAll();
  });
  /** Engine tasks, agent tasks and registrations of every machine's fleetd, summed; the leader. */
  const counters = async () => {
    const leader = nameOf((await c.registry.getLeader())?.candidateId ?? '');
    let engineTasks = 0;
    let agentTasks = 0;
    let registrations = 0;
    for (const n of NODES) {
      const m = await c.metrics(n);
      const get = (series: string) => {
        const v = m.get(series);
        if (v === undefined) throw new Error(`${n} has no metric ${series}`);
        return v;
      };
      // By type: a machine whose engine never wrote a task has no sample.
      for (const [series, v] of m)
        if (series.startsWith('fleet_engine_tasks_total{')) engineTasks += v;
      agentTasks += get('fleet_agent_tasks_total');
      registrations += get('fleet_agent_registrations_total');
    }
    return { leader, engineTasks, agentTasks, registrations };
  };

  it('Replaces: B takes the machine of A, A moves only where its metadata allows, its peer follows', async () => {
    await start('a.service', ['MachineMetadata=pool=blue']);
    const home = await one('a.service');
    const otherBlue = home === 'node1' ? 'node2' : 'node1';
    expect(['node1', 'node2']).toContain(home);
    await start('a-sidecar.service', ['MachineOf=a.service']);
    expect(await one('a-sidecar.service')).toBe(home);
    // Load the other blue machine, so the least loaded machine other than A's is node3 (green):
    // the original fleet would have moved A there without checking its metadata.
    await start('filler.service', [`MachineID=${idOf(otherBlue)}`]);
    expect(await one('filler.service')).toBe(otherBlue);
    const since = await now();
    // Checked, so that this test tells the two behaviours apart.
    const on = async (n: string) => (await assignments()).filter((a) => a.endsWith(`@${n}`));
    expect(await on('node3')).toEqual([]);
    expect(await on(otherBlue)).toEqual([`filler.service@${otherBlue}`]);

    await start('b.service', ['Replaces=a.service']);
    await waitFor(
      async () =>
        (await c.whereActive('b.service')).join() === home &&
        (await c.whereActive('a.service')).join() === otherBlue &&
        (await c.whereActive('a-sidecar.service')).join() === otherBlue,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: `b.service on ${home}, a.service and its sidecar on ${otherBlue}`,
      },
    );
    expect(await on(home)).toEqual([`b.service@${home}`]);
    expect(await on(otherBlue)).toEqual(
      ['a-sidecar', 'a', 'filler'].map((u) => `${u}.service@${otherBlue}`),
    );
    expect(await on('node3')).toEqual([]);
    // Neither ever ran on the green machine, and no unit waits.
    expect(await journal('node3', 'a.service', since)).toBe('');
    expect(await journal('node3', 'a-sidecar.service', since)).toBe('');
    for (const u of await api().listUnits()) expect(u.reason).toBeUndefined();
    expect((await api().getUnit('a.service'))?.machineID).toBe(idOf(otherBlue));
  });

  it('Replaces: a displaced unit that no other machine can take waits, with the reason', async () => {
    const setPool = async (node: string, pool: string) =>
      api().patchMachineMetadata([
        { op: 'replace', path: `/${idOf(node)}/metadata/pool`, value: pool },
      ]);
    const notActive = async (name: string) =>
      waitFor(async () => (await c.whereActive(name)).length === 0, {
        timeoutMs: 30_000,
        what: `${name} to stop`,
      });
    await start('pinned.service', ['MachineMetadata=pool=green']);
    expect(await one('pinned.service')).toBe('node3');

    await start('usurper.service', ['Replaces=pinned.service']);
    expect(await activeOn('usurper.service')).toEqual(['node3']);
    await notActive('pinned.service');
    const want =
      '0/3 machines available: 2 lack metadata pool=green, 1 runs usurper.service, which replaces it';
    expect(await reasonOf('pinned.service')).toBe(want);
    for (const via of NODES) expect((await getRaw('pinned.service', via)).reason).toBe(want);
    expect(await assignments()).toEqual(['usurper.service@node3']);
    await sleep(4_000); // two engine passes: it must wait, not be moved anywhere blindly
    expect(await c.whereActive('pinned.service')).toEqual([]);
    expect(await assignments()).toEqual(['usurper.service@node3']);

    // A machine that comes to satisfy it takes it; when it no longer does, the unit waits again.
    await setPool('node2', 'green');
    expect(await activeOn('pinned.service')).toEqual(['node2']);
    await waitFor(async () => (await getRaw('pinned.service')).reason === undefined, {
      timeoutMs: 15_000,
      what: "pinned.service's reason to be cleared",
    });
    await setPool('node2', 'blue');
    await notActive('pinned.service');
    await waitFor(async () => (await getRaw('pinned.service')).reason === want, {
      timeoutMs: 15_000,
      what: `pinned.service to wait again: ${want}`,
    });

    // Once the replacing unit is gone, the displaced one returns and its reason is cleared.
    await api().destroyUnit('usurper.service');
    expect(await activeOn('pinned.service')).toEqual(['node3']);
    await waitFor(async () => (await getRaw('pinned.service')).reason === undefined, {
      timeoutMs: 15_000,
      what: "pinned.service's reason to be cleared",
    });
  });

  it('Replaces: two units that replace each other run one copy, without flapping', async () => {
    await api().createUnit({
      ...unit('circle-a.service', ['Replaces=circle-b.service']),
      desiredState: 'launched',
    });
    await api().createUnit({
      ...unit('circle-b.service', ['Replaces=circle-a.service']),
      desiredState: 'launched',
    });
    const running = await waitFor(
      async () => {
        const a = await c.whereActive('circle-a.service');
        const b = await c.whereActive('circle-b.service');
        if (a.length + b.length !== 1) return undefined;
        return a.length === 1 ? 'circle-a.service' : 'circle-b.service';
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'one of circle-a/b active' },
    );
    const waiting = running === 'circle-a.service' ? 'circle-b.service' : 'circle-a.service';
    const [where] = await c.whereActive(running);
    if (where === undefined) throw new Error(`${running} is not active`);
    expect(await reasonOf(waiting)).toBe(
      `it and ${running} replace each other, and ${running} is scheduled`,
    );
    await published([`${running}@${where}`]); // the agents are done with it
    const pid = await c.prop(where, running, 'MainPID');
    const before = await counters();
    const since = await now();

    await sleep(8_000); // four engine passes: time for a flap to show
    const after = await counters();
    console.log(`[e2e] circular Replaces over 8 s: ${JSON.stringify({ before, after })}`);
    expect(await c.whereActive(running)).toEqual([where]);
    expect(await c.whereActive(waiting)).toEqual([]);
    expect(await c.prop(where, running, 'MainPID')).toBe(pid);
    expect(await journal(where, running, since)).not.toMatch(/Stopping|Stopped|Started/);
    for (const n of NODES) expect(await journal(n, waiting, since)).toBe('');
    expect(after).toEqual(before); // no engine or agent task at all: nothing moved
    expect(await assignments()).toEqual([`${running}@${where}`]);
  });

  it('an unschedulable unit runs nowhere, and every API says why until it can run', async () => {
    await start('green-blocker.service', ['MachineMetadata=pool=green']);
    expect(await one('green-blocker.service')).toBe('node3');
    await start('picky.service', ['MachineMetadata=pool=green', 'Conflicts=green-blocker.service']);
    await start('nowhere.service', ['MachineID=0123456789abcdef0123456789abcdef']);

    const picky =
      '0/3 machines available: 2 lack metadata pool=green, 1 runs conflicting unit green-blocker.service';
    const nowhere = 'required machine 0123456789abcdef0123456789abcdef is not in the cluster';
    expect(await reasonOf('picky.service')).toBe(picky);
    expect(await reasonOf('nowhere.service')).toBe(nowhere);
    for (const via of NODES) {
      const p = await getRaw('picky.service', via);
      expect(p).toMatchObject({
        desiredState: 'launched',
        currentState: 'inactive',
        reason: picky,
      });
      expect(p.machineID).toBeUndefined();
      expect((await getRaw('nowhere.service', via)).reason).toBe(nowhere);
    }
    // Nowhere: no assignment, no published state, no unit file, not known to any systemd.
    expect(await assignments()).toEqual(['green-blocker.service@node3']);
    const states = (await c.registry.listUnitStates()).items.map((s) => s.unit);
    expect(states).toEqual(['green-blocker.service']);
    for (const n of NODES) {
      const files = await sh(c.node(n), 'ls /run/fleet/units/ 2>/dev/null || true');
      expect(files.split('\n').filter((f) => f !== '' && f !== 'green-blocker.service')).toEqual(
        [],
      );
      const loaded = await sh(c.node(n), 'systemctl list-units --all --no-legend picky.service');
      expect(loaded.trim()).toBe('');
    }

    // Remove what stood in the way: it runs, and the reason is gone from the API.
    await api('node2').destroyUnit('green-blocker.service');
    expect(await activeOn('picky.service')).toEqual(['node3']);
    await waitFor(async () => (await getRaw('picky.service', 'node3')).reason === undefined, {
      timeoutMs: 15_000,
      what: "picky.service's reason to be cleared",
    });
    expect((await getRaw('picky.service', 'node2')).machineID).toBe(idOf('node3'));
    expect((await getRaw('nowhere.service', 'node2')).reason).toBe(nowhere);
  });

  it('stops nothing when the etcd leader is killed; serves, schedules, and stays consistent', async () => {
    const t = Date.now();
    for (let i = 1; i <= 3; i++) await start(`spread.${i}.service`, ['Conflicts=spread.*']);
    await activeOn('spread.3.service');
    console.log(`[e2e] with every etcd member up, units started active in ${Date.now() - t} ms`);
    await start('everywhere.service', ['Global=true']);
    await activeOn('everywhere.service', 3);
    const placed = new Map<string, string>(); // unit -> machine
    for (let i = 1; i <= 3; i++)
      placed.set(`spread.${i}.service`, await one(`spread.${i}.service`));
    expect(new Set(placed.values()).size).toBe(3);
    await published([
      ...[...placed].map(([u, m]) => `${u}@${m}`),
      ...NODES.map((n) => `everywhere.service@${n}`),
    ]);
    const pids = await mainPids(placed);
    const before = await counters();
    const since = await now();

    const victim = await c.etcdLeader();
    // The kill must hit links fleetd uses: count its open connections to the leader.
    const links = c.etcdConnections(victim);
    console.log(`[e2e] connections to the etcd leader: ${JSON.stringify([...links])}`);
    expect([...links.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const poller = readLoad(c); // every machine's API, throughout
    let served: Awaited<ReturnType<typeof poller.stop>>;
    try {
      const t0 = Date.now();
      await c.killEtcd(victim);
      const next = await c.etcdLeader();
      console.log(
        `[e2e] etcd leader ${victim.name} killed; ${next.name} leads after ${Date.now() - t0} ms`,
      );
      // agent_ttl (5 s) and more: a session or a lease lost with the leader would show by now.
      await sleep(10_000);
    } finally {
      served = await poller.stop();
    }
    console.log(`[e2e] API while the etcd leader died: ${served.summary}`);
    expect(served.failures).toEqual([]);
    expect(await mainPids(placed)).toEqual(pids);
    for (const [u, m] of pids) {
      const [name] = u.split('@');
      expect(await journal(m.node, name ?? '', since)).not.toMatch(/Stopping|Stopped|Started/);
    }
    const after = await counters();
    console.log(`[e2e] counters across the kill: ${JSON.stringify({ before, after })}`);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      // What fleetd did across the kill, to tell why from a CI log.
      for (const n of NODES)
        console.log(`[e2e] ${n}'s fleetd:\n${await journal(n, 'fleet', since)}`);
    }
    expect(after).toEqual(before); // no task, no new session, the same engine leader

    // Scheduling goes on with two members.
    const t1 = Date.now();
    await start('after-kill.service');
    await activeOn('after-kill.service');
    console.log(
      `[e2e] a unit started after the etcd leader's death active in ${Date.now() - t1} ms`,
    );

    // The killed member comes back and catches up. Then it must be a working part of the quorum:
    // with the new leader killed too, every unit created meanwhile and acknowledged is kept and
    // runs once.
    await c.restartEtcd(victim);
    await etcdAgrees(c);
    const second = await c.etcdLeader();
    const writer = createLoad(c, 'burst');
    let wrote: Awaited<ReturnType<typeof writer.stop>>;
    try {
      await sleep(1_000);
      const t2 = Date.now();
      await c.killEtcd(second);
      const third = await c.etcdLeader();
      console.log(
        `[e2e] etcd leader ${second.name} killed; ${third.name} leads after ${Date.now() - t2} ms`,
      );
      await sleep(3_000);
    } finally {
      wrote = await writer.stop();
    }
    console.log(`[e2e] unit creations across the second kill: ${wrote.summary}`);
    if (wrote.failures.length > 0) console.log(wrote.failures.join('\n'));
    expect(wrote.acked.length).toBeGreaterThan(0);
    await c.restartEtcd(second);
    expect(c.etcd.members.every((m) => m.running)).toBe(true);
    const logged = [];
    for (const n of NODES) {
      const lines = (await journal(n, 'fleet.service', since)).split('\n').filter((l) => l !== '');
      const loud = lines.filter((l) => !l.includes('"level":"info"'));
      logged.push(`${n} ${lines.length} (${loud.length} above info)`);
    }
    console.log(`[e2e] fleetd log lines across both kills: ${logged.join(', ')}`);
    const agreed = await etcdAgrees(c);
    console.log(`[e2e] etcd members agree at revision ${agreed.revision} (${agreed.keys} keys)`);
    const units = (await c.registry.listUnits()).items.map((u) => u.name);
    expect(units).toEqual(expect.arrayContaining(wrote.acked));
    const n = await fleetConsistent(c, { global: ['everywhere.service'] });
    console.log(`[e2e] ${n} units consistent in etcd, on the machines and in systemd`);
    expect(await mainPids(placed)).toEqual(pids);
  });

  /** `unit@machine` -> {node, MainPID} for each placement, plus the global unit on every machine. */
  async function mainPids(placed: Map<string, string>) {
    const out = new Map<string, { node: string; pid: string }>();
    for (const [u, node] of placed)
      out.set(`${u}@${node}`, { node, pid: await c.prop(node, u, 'MainPID') });
    for (const node of NODES) {
      const pid = await c.prop(node, 'everywhere.service', 'MainPID');
      out.set(`everywhere.service@${node}`, { node, pid });
    }
    for (const [k, v] of out) if (v.pid === '0') throw new Error(`${k} has no MainPID`);
    return out;
  }
});
