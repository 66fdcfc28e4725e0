// The agent's registration gate and `agent_self_fence` on three real machines (real etcd, real
// systemd): what each machine's systemd really runs while a machine is cut from etcd past its TTL,
// and while a second fleetd holds a cloned machine ID. Times are read from one monotonic clock:
// the host's (process.hrtime), systemd's `*TimestampMonotonic` and the journal's monotonic time in
// the machines are the same CLOCK_MONOTONIC (the machines share the host's kernel, no time
// namespace), so the order of a stop on one machine and a start on another is systemd's own.
import { sleep, waitFor } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, loopUnit, sh } from './src/index.js';

const TTL_S = 5;
const TTL_US = TTL_S * 1_000_000;
const NODES = ['node1', 'node2', 'node3'] as const;

/** The host's CLOCK_MONOTONIC in microseconds, as systemd's `*TimestampMonotonic`. */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`;

/** One `systemctl is-active` answer of one machine, between `from` and `to` (host µs). */
interface Sample {
  readonly node: string;
  readonly from: number;
  readonly to: number;
  readonly state: string;
}

describe('agent_self_fence and a cloned machine ID on 3 machines (agent_ttl 5s)', () => {
  let c: Cluster;
  /** A machine whose link to etcd a test cut, restored after it even when the test fails. */
  let cutOff: string | undefined;
  /** The machine whose API the tests use (not one a test is hurting). */
  let via = 'node1';

  beforeAll(async () => {
    c = await Cluster.start({
      machines: 3,
      agentTtl: `${TTL_S}s`,
      extra: ['agent_self_fence=true'],
    });
  });
  afterAll(async () => {
    await c?.teardown();
  });
  afterEach(async () => {
    if (cutOff !== undefined) c.restore(cutOff);
    cutOff = undefined;
    await c.waitMachines(3);
    for (const u of await c.api(via).listUnits()) await c.api(via).destroyUnit(u.name);
    await waitFor(async () => (await c.registry.listUnitStates()).items.length === 0, {
      timeoutMs: 30_000,
      what: 'every unit to be unloaded',
    });
  });

  const start = async (name: string, xfleet: string[] = []) =>
    c.api(via).createUnit({ ...loopUnit(name, xfleet), desiredState: 'launched' });
  const activeOn = async (name: string, n = 1, timeoutMs = 30_000) =>
    waitFor(
      async () => ((await c.whereActive(name)).length === n ? c.whereActive(name) : undefined),
      { timeoutMs, intervalMs: 200, what: `${name} active on ${n} machine(s)` },
    );
  const since = async (node: string) =>
    (await sh(c.node(node), 'date "+%Y-%m-%d %H:%M:%S"')).trim();
  const fleetLog = async (node: string, from: string) =>
    sh(c.node(node), `journalctl -q -u fleet.service --since "${from}" --no-pager -o cat`);
  const monotonic = async (node: string, unit: string, prop: string) =>
    Number(await c.prop(node, unit, prop));
  /**
   * When systemd on `node` logged the end of its last `type` job for `unit` since `from` (the
   * journal's monotonic time, µs; the unit had reached its new state by then), or undefined.
   */
  const jobDone = async (node: string, unit: string, type: string, from: string) => {
    const out = await sh(
      c.node(node),
      `journalctl -q -u ${unit} --since "${from}" --no-pager -o json`,
    );
    const done = out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.JOB_TYPE === type && e.JOB_RESULT === 'done');
    const last = done.at(-1)?.__MONOTONIC_TIMESTAMP;
    return typeof last === 'string' ? Number(last) : undefined;
  };
  const metric = async (node: string, series: string) => {
    const v = (await c.metrics(node)).get(series);
    if (v === undefined) throw new Error(`${node} has no metric ${series}`);
    return v;
  };

  /** Samples `systemctl is-active unit` on every machine, round after round, until `stop()`. */
  const sampleActive = (unit: string) => {
    const samples: Sample[] = [];
    let done = false;
    const loop = (async () => {
      while (!done) {
        await Promise.all(
          c.nodes.map(async (m) => {
            const from = nowUs();
            const r = await m.exec('systemctl', ['is-active', unit]).catch(() => undefined);
            samples.push({ node: m.name, from, to: nowUs(), state: r?.stdout.trim() ?? '?' });
          }),
        );
        await sleep(50);
      }
    })();
    return {
      stop: async () => {
        done = true;
        await loop;
        return samples;
      },
    };
  };

  /**
   * Runs `unit` (not global) and `global` (Global=true), cuts the machine running `unit` from etcd
   * until `unit` is active elsewhere and the cut has lasted 3 × TTL, restores it and waits for it
   * to be back and to have made a full pass. Samples every machine throughout. `unit` is kept off
   * the engine leader's machine (it conflicts with a unit pinned there), so the cut leaves the
   * engine running and the race is the tight one: the engine moves the unit as soon as the cut
   * machine's lease expires, not after an election and a new leader's grace.
   */
  const cutRunningMachine = async (unit: string, global: string) => {
    const leaderId = (await c.registry.getLeader())?.candidateId;
    const leader = NODES.find((n) => c.node(n).machineId === leaderId);
    if (leader === undefined) throw new Error(`no engine leader among the machines (${leaderId})`);
    via = leader;
    const keepOff = `keep-off-leader-${unit}`;
    await start(keepOff, [`MachineID=${c.node(leader).machineId}`]);
    expect(await activeOn(keepOff)).toEqual([leader]);
    await start(global, ['Global=true']);
    await start(unit, [`Conflicts=${keepOff}`]);
    const [victim] = await activeOn(unit);
    if (victim === undefined) throw new Error(`${unit} is not active`);
    expect(victim).not.toBe(leader);
    await activeOn(global, 3);
    const victimId = c.node(victim).machineId;
    await waitFor(
      async () =>
        (await c.registry.listUnitStates({ machineId: victimId })).items.some(
          (s) => s.unit === global && s.activeState === 'active',
        ),
      { timeoutMs: 15_000, what: `${global} published active on ${victim}` },
    );
    const globalPid = await c.prop(victim, global, 'MainPID');
    expect(globalPid).not.toBe('0');
    const logFrom = await since(victim);
    let leaseGoneAt: number | undefined;
    const w = c.registry.watchMachines((await c.registry.listMachines()).revision, (e) => {
      if (e.type === 'delete' && e.machineId === victimId) leaseGoneAt ??= nowUs();
    });
    const sampler = sampleActive(unit);
    let samples: Sample[] = [];
    try {
      const cutAt = nowUs();
      cutOff = victim;
      c.cut(victim);
      const [other] = await waitFor(
        async () => {
          const on = (await c.whereActive(unit)).filter((n) => n !== victim);
          return on.length > 0 ? on : undefined;
        },
        {
          timeoutMs: 60_000,
          intervalMs: 100,
          what: `${unit} active on a machine other than ${victim}`,
        },
      );
      if (other === undefined) throw new Error('unreachable');
      const rest = cutAt + 3 * TTL_US - nowUs();
      if (rest > 0) await sleep(rest / 1000);
      const globalPidInCut = await c.prop(victim, global, 'MainPID');
      // When the new copy left `inactive` (read while it runs: systemd forgets a stopped unit's).
      const startedAt = await monotonic(other, unit, 'InactiveExitTimestampMonotonic');
      // When the cut machine's stop job for its copy finished (after it was inactive), if any.
      const stoppedAt = await jobDone(victim, unit, 'stop', logFrom);
      const restoredAt = nowUs();
      c.restore(victim);
      cutOff = undefined;
      // Back: registered, serving, and a full pass made after it (two more passes counted).
      await c.waitMachines(3);
      const passes = await metric(victim, 'fleet_agent_passes_total');
      await waitFor(async () => (await metric(victim, 'fleet_agent_passes_total')) >= passes + 2, {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: `two agent passes on ${victim}`,
      });
      const settledAt = nowUs();
      samples = await sampler.stop();
      return {
        leader,
        victim,
        other,
        global,
        globalPid,
        globalPidInCut,
        stoppedAt,
        startedAt,
        cutAt,
        restoredAt,
        settledAt,
        leaseGoneAt,
        logFrom,
        samples,
      };
    } finally {
      if (samples.length === 0) await sampler.stop();
      await w.close();
    }
  };

  /** From the samples: the latest start of a victim "active" and the earliest end of another's. */
  const overlapEvidence = (samples: Sample[], victim: string, other: string) => {
    const active = (node: string) => samples.filter((s) => s.node === node && s.state === 'active');
    const lastVictimActive = Math.max(...active(victim).map((s) => s.from));
    const firstOtherActive = Math.min(...active(other).map((s) => s.to));
    return { lastVictimActive, firstOtherActive };
  };

  it('a second fleetd with a cloned machine ID runs none of its units and says so', async () => {
    const original = c.node('node1').machineId;
    const clone = c.node('node2');
    via = 'node3';
    const from = await since('node2');
    // node2's fleetd reads node1's machine ID (as a cloned /etc/machine-id would give it).
    await sh(
      clone,
      [
        `echo ${original} > /etc/fleet/cloned-machine-id`,
        'echo machine_id_file=/etc/fleet/cloned-machine-id >> /etc/fleet/fleet.conf',
        'systemctl restart fleet.service',
      ].join('\n'),
      120_000,
    );
    const refusals = async () =>
      (await fleetLog('node2', from))
        .split('\n')
        .filter((l) =>
          l.includes(`machine ID ${original} is already registered by a live fleetd; retrying`),
        ).length;
    try {
      await waitFor(async () => (await refusals()) > 0, {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: 'node2 to log the duplicate machine ID',
      });
      await waitFor(async () => (await c.registry.listMachines()).items.length === 2, {
        timeoutMs: 30_000,
        what: 'two machines (node1 and node3)',
      });
      await start('cloned.service', [`MachineID=${original}`]);
      await start('cloned-global.service', ['Global=true']);
      expect(await activeOn('cloned.service')).toEqual(['node1']);
      expect(await activeOn('cloned-global.service', 2)).toEqual(['node1', 'node3']);
      // A window of node2 retrying (two more refusals, at least 1 s + 2 s apart) and of node1
      // making a full pass (two more): node2 would have acted on node1's assignments by now.
      const seen = await refusals();
      const passes = await metric('node1', 'fleet_agent_passes_total');
      await waitFor(
        async () =>
          (await refusals()) >= seen + 2 &&
          (await metric('node1', 'fleet_agent_passes_total')) >= passes + 2,
        {
          timeoutMs: 60_000,
          intervalMs: 500,
          what: 'two more refusals on node2, two passes on node1',
        },
      );
      const listed = await sh(
        clone,
        'systemctl list-units --all --no-legend --plain cloned.service cloned-global.service',
      );
      expect(listed.trim()).toBe('');
      expect((await sh(clone, 'ls /run/fleet/units/ 2>/dev/null || true')).trim()).toBe('');
      expect(await c.whereActive('cloned.service')).toEqual(['node1']);
      expect(await c.whereActive('cloned-global.service')).toEqual(['node1', 'node3']);
      // node2's agent: no registration, no pass, no task (its metrics are served unregistered).
      const m = await c.metrics('node2');
      expect(m.get('fleet_agent_registrations_total')).toBe(0);
      expect(m.get('fleet_agent_passes_total')).toBe(0);
      expect(m.get('fleet_agent_tasks_total')).toBe(0);
      // Its machine record and published states are node1's own, untouched by node2.
      const states = (await c.registry.listUnitStates({ machineId: original })).items;
      expect(states.map((s) => `${s.unit}:${s.activeState}`).sort()).toEqual([
        'cloned-global.service:active',
        'cloned.service:active',
      ]);
      console.log(`[e2e] cloned machine ID: node2 refused ${await refusals()} times, ran nothing`);
    } finally {
      await sh(
        clone,
        [
          "sed -i '/^machine_id_file=/d' /etc/fleet/fleet.conf",
          'rm -f /etc/fleet/cloned-machine-id',
          'systemctl restart fleet.service',
        ].join('\n'),
        120_000,
      );
    }
  });

  it('agent_self_fence: the cut machine stops its copy before another starts; globals run on', async () => {
    const r = await cutRunningMachine('fenced.service', 'fence-global.service');
    const { startedAt } = r;
    const stoppedAt = r.stoppedAt ?? Number.NaN;
    const { lastVictimActive, firstOtherActive } = overlapEvidence(r.samples, r.victim, r.other);
    const log = (await fleetLog(r.victim, r.logFrom))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; unit?: string; silentMs?: number });
    const silentMs = log.find((l) =>
      l.msg?.startsWith('machine lease not renewed; self-fence'),
    )?.silentMs;
    const fenced = log.filter((l) => l.msg === 'self-fence: stopped unit').map((l) => l.unit);
    console.log(
      `[e2e] self-fence on ${r.victim} (engine leader ${r.leader}): stopped ${ms(stoppedAt - r.cutAt)} after the cut` +
        ` (fence at ${String(silentMs)} ms without a renewal, TTL ${TTL_S} s);` +
        ` lease gone in etcd ${r.leaseGoneAt === undefined ? '?' : ms(r.leaseGoneAt - stoppedAt)} after the stop;` +
        ` started on ${r.other} ${ms(startedAt - stoppedAt)} after the stop;` +
        ` settled ${ms(r.settledAt - r.restoredAt)} after the restore`,
    );
    // Read from systemd itself: the old copy was inactive (its stop job done) before the new one
    // left inactive.
    expect(r.stoppedAt).toBeDefined();
    expect(stoppedAt).toBeGreaterThan(r.cutAt);
    expect(stoppedAt).toBeLessThan(startedAt);
    expect(startedAt).toBeLessThan(r.restoredAt);
    // Sampled: no "active" on the cut machine began after the other's first "active" ended.
    expect(lastVictimActive).toBeLessThan(firstOtherActive);
    // And it never ran there again, through the restore and a full pass after it: one copy.
    expect(await c.whereActive('fenced.service')).toEqual([r.other]);
    expect(
      r.samples.filter((s) => s.node === r.victim && s.from > stoppedAt && s.state === 'active'),
    ).toEqual([]);
    // The fence stopped the non-global unit only; the global ran on, the same process.
    expect(fenced).toEqual(['fenced.service']);
    expect(r.globalPidInCut).toBe(r.globalPid);
    expect(await c.prop(r.victim, r.global, 'MainPID')).toBe(r.globalPid);
    expect(await c.whereActive(r.global)).toEqual([...NODES]);
    // Not before it was due: TTL less max(1 s, TTL/5) without an acknowledged renewal.
    expect(silentMs).toBeGreaterThanOrEqual(TTL_S * 1000 - Math.max(1000, (TTL_S * 1000) / 5));
  });

  it('without agent_self_fence (the default) the cut machine runs its copy on beside the new one', async () => {
    for (const n of NODES)
      await sh(
        c.node(n),
        "sed -i '/^agent_self_fence=/d' /etc/fleet/fleet.conf && systemctl restart fleet.service",
        120_000,
      );
    await c.waitMachines(3);
    const r = await cutRunningMachine('unfenced.service', 'unfenced-global.service');
    const { lastVictimActive, firstOtherActive } = overlapEvidence(r.samples, r.victim, r.other);
    console.log(
      `[e2e] no self-fence (engine leader ${r.leader}): ${r.victim}'s copy still active ${ms(lastVictimActive - firstOtherActive)}` +
        ` after ${r.other}'s was; settled ${ms(r.settledAt - r.restoredAt)} after the restore`,
    );
    // Two copies at once: the cut machine's was seen active after the other's had been.
    expect(lastVictimActive).toBeGreaterThan(firstOtherActive);
    expect(await fleetLog(r.victim, r.logFrom)).not.toContain('self-fence');
    // Back in touch, the stale copy stops: one copy, not on the cut machine.
    expect(await activeOn('unfenced.service')).toEqual([r.other]);
    expect(await c.prop(r.victim, r.global, 'MainPID')).toBe(r.globalPid);
  });
});
