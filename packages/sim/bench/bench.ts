// Scale benchmark (not a test): 1,000 simulated machines and 10,000 units against a real etcd
// started for the run, with the real engine and agents (FakeSystemd with a start latency).
//   npx tsx packages/sim/bench/bench.ts [--machines 1000] [--units 10000] [--workers CORES]
//        [--client shared|per-agent] [--no-followers] [--start-latency 20] [--idle 20]
// Prints one table: launch time beside the etcd write bound measured in the same run, etcd's
// request rate at idle (from its /metrics), wake-ups per schedule change, failover time,
// `fleetctl list-units` wall time (compiled fleetctl; build first: npx tsc -b) and memory.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApi, FleetServer } from '@fleet/api';
import type { PassPhases } from '@fleet/engine';
import { DEFAULT_PREFIX } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster } from '@fleet/testkit';
import { Etcd3 } from 'etcd3';
import {
  requestDelta,
  scrapeEtcdKeyWrites,
  scrapeEtcdRequests,
  STREAMS,
} from '../src/etcd-metrics.js';
import { simUnitName, simUnitOptions } from '../src/machines.js';
import { ClusterObserver } from '../src/observer.js';
import type { ClientMode } from '../src/protocol.js';
import { Simulation, type SimulationStats } from '../src/simulation.js';
import { addCounts, type CallCounts } from '../src/counting.js';

const { values } = parseArgs({
  options: {
    machines: { type: 'string', default: '1000' },
    units: { type: 'string', default: '10000' },
    // One process per core: more only adds scheduling and per-process overhead (on 2 cores, 4
    // processes spent 5.7 s of CPU on what 2 do in 3.3 s, the same agents' work).
    workers: { type: 'string', default: String(availableParallelism()) },
    client: { type: 'string', default: 'shared' },
    'no-followers': { type: 'boolean', default: false },
    'start-latency': { type: 'string', default: '20' },
    ttl: { type: 'string', default: '30' },
    idle: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '64' },
    // Stop after the first launch (for profiling it: SIM_PROF_DIR=/tmp/prof).
    'launch-only': { type: 'boolean', default: false },
    // The real fleetd's RSS with this many units in a systemd-nspawn machine (root only; 0: skip).
    'nspawn-units': { type: 'string', default: '1000' },
  },
});
const MACHINES = Number(values.machines);
const UNITS = Number(values.units);
const WORKERS = Number(values.workers);
const CLIENT = values.client as ClientMode;
const TTL = Number(values.ttl);
const IDLE_S = Number(values.idle);
const CONCURRENCY = Number(values.concurrency);
const FLEETCTL = fileURLToPath(new URL('../../fleetctl/dist/main.js', import.meta.url));

const rows: [string, string, string, string][] = [];
const row = (what: string, value: string, baseline = '-', ratio = '-') =>
  rows.push([what, value, baseline, ratio]);
const log = (msg: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const ms = (x: number) => `${Math.round(x).toLocaleString('en')} ms`;
const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] ?? NaN) : ((v[mid - 1] ?? NaN) + (v[mid] ?? NaN)) / 2;
};
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** `n` calls of `fn(i)` with at most `c` in flight. */
async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

/** etcd's raw put rate (puts/s) with this run's concurrency, the unit of the write bound. */
async function putRate(endpoints: readonly string[]): Promise<number> {
  const client = new Etcd3({ hosts: [...endpoints] });
  const value = JSON.stringify({ options: simUnitOptions(0) });
  const rates: number[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const n = 3000;
      const t = performance.now();
      await pool(n, CONCURRENCY, (i) => client.put(`/bench-raw/${round}/${i}`).value(value).exec());
      rates.push(n / ((performance.now() - t) / 1000));
    }
    await client.delete().prefix('/bench-raw/').exec();
  } finally {
    client.close();
  }
  return median(rates);
}

/** CPU time (user + system) of a process, in ms, from /proc (clock ticks of 10 ms). */
function procCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

interface CpuSample {
  readonly etcd: number;
  readonly engine: number;
  readonly workers: number;
  readonly controller: number;
}

async function cpuSample(sim: Simulation, etcdPid: number | undefined): Promise<CpuSample> {
  const st = await sim.stats();
  const c = process.cpuUsage();
  return {
    etcd: procCpuMs(etcdPid),
    engine: st.engine.cpuMs,
    workers: st.workers.reduce((a, w) => a + w.cpuMs, 0),
    controller: (c.user + c.system) / 1000,
  };
}

function cpuDelta(a: CpuSample, b: CpuSample): string {
  const d = (k: keyof CpuSample) => ((b[k] - a[k]) / 1000).toFixed(1);
  return `etcd ${d('etcd')}, engine ${d('engine')}, workers ${d('workers')}, controller ${d('controller')} s`;
}

/** Registry calls so far of all agents, all follower engines, and the leading engine. */
function callsOf(
  st: SimulationStats,
): Record<'agents' | 'followers' | 'leader' | 'agentLog', CallCounts> {
  const agents: CallCounts = new Map();
  const followers: CallCounts = new Map();
  const agentLog: CallCounts = new Map();
  for (const w of st.workers) {
    addCounts(agents, w.agentCalls);
    addCounts(followers, w.engineCalls);
    addCounts(agentLog, w.agentLog);
  }
  const leader: CallCounts = new Map();
  addCounts(leader, st.engine.calls);
  return { agents, followers, leader, agentLog };
}

/** `after - before` per key, largest first, as `key n/s` (per second of `secs`) or `key n`. */
function countsDelta(before: CallCounts, after: CallCounts, secs?: number): string {
  const d = [...after]
    .map(([k, n]): [string, number] => [k, n - (before.get(k) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const fmt = (n: number) => (secs === undefined ? String(n) : `${(n / secs).toFixed(2)}/s`);
  return d.map(([k, n]) => `${k} ${fmt(n)}`).join(', ') || 'none';
}

/** The requests of a phase, by method, largest first (`Txn 123, Range 45, ...`). */
function requestSummary(delta: readonly [string, number][]): string {
  return delta
    .map(([k, n]) => `${k.startsWith(STREAMS) ? STREAMS : ''}${k.split('/').pop() ?? k} ${n}`)
    .join(', ');
}

function timeRun(args: readonly string[]): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const t = performance.now() - started;
      if (code === 0) resolve({ ms: t, out });
      else reject(new Error(`node ${args.join(' ')} exited ${String(code)}: ${err}`));
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync(FLEETCTL)) throw new Error(`${FLEETCTL} is missing: run npx tsc -b`);
  const etcd = await EtcdCluster.start();
  const endpoint = etcd.endpoints[0] ?? '';
  const dir = await mkdtemp(join(tmpdir(), 'fleet-sim-bench-'));
  let sim: Simulation | undefined;
  let observer: ClusterObserver | undefined;
  let server: FleetServer | undefined;
  const registry = new EtcdRegistry({ endpoints: etcd.endpoints, requestTimeoutMs: 10_000 });
  try {
    log('measuring etcd put rate');
    const puts = await putRate(etcd.endpoints);
    row('etcd raw put rate (baseline)', `${Math.round(puts).toLocaleString('en')}/s`);

    observer = await ClusterObserver.start(etcd.endpoints, DEFAULT_PREFIX);
    log(`starting ${MACHINES} simulated machines in ${WORKERS} worker processes (${CLIENT})`);
    let t = performance.now();
    // No engine yet: the units submitted first wait unscheduled, so that scheduling and launching
    // them is timed apart from the API's writes. Follower engines start after that.
    sim = await Simulation.start({
      endpoints: etcd.endpoints,
      machines: MACHINES,
      workers: WORKERS,
      ttlSeconds: TTL,
      startLatencyMs: Number(values['start-latency']),
      clientMode: CLIENT,
      followerEngines: false,
      engine: 'later',
      compiled: true,
    });
    const o = observer;
    await o.until(() => o.liveMachines === MACHINES, 60_000, 'all machines registered');
    row(`start: processes spawned, ${MACHINES} machines registered`, ms(performance.now() - t));

    log(`submitting ${UNITS} units (concurrency ${CONCURRENCY}) with no engine running`);
    t = performance.now();
    await pool(UNITS, CONCURRENCY, (i) =>
      registry.createUnit({
        name: simUnitName(i),
        options: simUnitOptions(i),
        desiredState: 'launched',
      }),
    );
    const submitted = performance.now() - t;
    const createBound = (UNITS * 1000) / puts; // one transaction per unit
    row(
      `submission: createUnit x ${UNITS} (${Math.round((UNITS * 1000) / submitted)}/s), no engine`,
      s(submitted),
      `${s(createBound)} (${UNITS.toLocaleString('en')} txns / put rate)`,
      (submitted / createBound).toFixed(2),
    );

    log(`starting the engine: schedule and launch ${UNITS} units`);
    const etcdPid = etcd.members[0]?.pid;
    const progress = setInterval(() => {
      void sim
        ?.stats()
        .then((x) =>
          log(
            `  assigned ${o.assigned}, active ${o.unitsActive}, engine tasks ${x.engine.tasks}, ` +
              `passes ${x.engine.reconciles}, last pass ${Math.round(x.engine.lastReconcileMs)} ms`,
          ),
        )
        .catch(() => undefined); // the run is ending: its error is reported by the main path
    }, 2_000);
    const cpu0 = await cpuSample(sim, etcdPid);
    const req0 = await scrapeEtcdRequests(endpoint);
    const keys0 = await scrapeEtcdKeyWrites(endpoint);
    const seen0 = new Map(o.changes);
    const launchCalls0 = callsOf(await sim.stats());
    t = performance.now();
    let assignedAt = NaN;
    void o
      .until(() => o.assigned >= UNITS, 600_000, 'every unit assigned')
      .then(() => (assignedAt = performance.now() - t));
    await sim.startEngine();
    const leaderAt = performance.now() - t;
    await o.until(() => o.unitsActive === UNITS, 600_000, 'every unit active');
    const launch = performance.now() - t;
    clearInterval(progress);
    const cpu1 = await cpuSample(sim, etcdPid);
    const launchRequests = requestDelta(req0, await scrapeEtcdRequests(endpoint));
    const keys1 = await scrapeEtcdKeyWrites(endpoint);
    // Fewest keys etcd must write: every assignment and every unit's state, once; each at the
    // raw put rate. (In requests it is fewer: assignments and states go in batched txns.)
    const writes = 2 * UNITS;
    const bound = (writes * 1000) / puts;
    row(
      `schedule + launch ${UNITS} units on ${MACHINES} machines (engine start -> all active)`,
      s(launch),
      `${s(bound)} (${(2 * UNITS).toLocaleString('en')} keys / put rate)`,
      (launch / bound).toFixed(2),
    );
    row('  of which: engine process up and leading', s(leaderAt));
    row('  of which: every unit assigned at', s(assignedAt));
    row('  CPU used meanwhile (2 cores)', cpuDelta(cpu0, cpu1));
    row('  etcd requests meanwhile', requestSummary(launchRequests));
    row(
      '  keys etcd wrote meanwhile',
      `puts ${keys1.puts - keys0.puts}, deletes ${keys1.deletes - keys0.deletes}`,
    );
    row(
      '  of which the observer saw',
      [...o.changes]
        .map(([k, n]): [string, number] => [k, n - (seen0.get(k) ?? 0)])
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    );
    const launchStats = await sim.stats();
    const launchCalls1 = callsOf(launchStats);
    row('  engine passes', String(launchStats.engine.reconciles));
    row(
      '  registry calls meanwhile, agents',
      countsDelta(launchCalls0.agents, launchCalls1.agents),
    );
    row('  agent warnings meanwhile', countsDelta(launchCalls0.agentLog, launchCalls1.agentLog));
    if (values['launch-only']) return printTable();
    if (!values['no-followers']) await sim.startFollowers();

    const more = Math.max(1, Math.round(UNITS / 10));
    log(`submit + schedule + launch ${more} more units, everything running`);
    await sleep(3_000);
    const cpu2 = await cpuSample(sim, etcdPid);
    const passes2 = (await sim.stats()).engine.reconciles;
    t = performance.now();
    await pool(more, CONCURRENCY, (i) =>
      registry.createUnit({
        name: simUnitName(UNITS + i),
        options: simUnitOptions(UNITS + i),
        desiredState: 'launched',
      }),
    );
    const moreSubmitted = performance.now() - t;
    await o.until(() => o.unitsActive === UNITS + more, 600_000, 'the new units active');
    const moreLaunch = performance.now() - t;
    const cpu3 = await cpuSample(sim, etcdPid);
    const moreWrites = 3 * more; // unit records (+ contents in the same txn), assignments, states
    const moreBound = (moreWrites * 1000) / puts;
    row(
      `${more} more units: submit + schedule + launch (fleet 1.0: 900 in 9.4 s)`,
      s(moreLaunch),
      `${s(moreBound)} (${moreWrites.toLocaleString('en')} keys / put rate)`,
      (moreLaunch / moreBound).toFixed(2),
    );
    row('  of which: submission', s(moreSubmitted));
    row('  CPU used meanwhile (2 cores)', cpuDelta(cpu2, cpu3));
    row('  engine passes', String((await sim.stats()).engine.reconciles - passes2));
    const total = UNITS + more;
    const dup = o.duplicates().length;
    if (dup > 0) row('UNITS ACTIVE ON TWO MACHINES', String(dup));

    await sleep(15_000); // let the launch settle before idle is measured
    const st = await sim.stats(true);
    const perAgent = st.workers.map((w) => (w.heapUsed - w.heapBase) / Math.max(1, w.machines));
    row('engine process RSS / heap', `${mib(st.engine.rss)} / ${mib(st.engine.heapUsed)}`);
    row('heap per simulated fleetd (agent+engine+FakeSystemd)', kib(median(perAgent)));
    row(
      'worker RSS per simulated fleetd',
      kib(median(st.workers.map((w) => w.rss / Math.max(1, w.machines)))),
    );

    log(`idle: ${IDLE_S} s of etcd request counters`);
    const changes0 = new Map(o.changes);
    const calls0 = callsOf(await sim.stats());
    const before = await scrapeEtcdRequests(endpoint);
    const idle0 = await cpuSample(sim, etcdPid);
    t = performance.now();
    await sleep(IDLE_S * 1000);
    const after = await scrapeEtcdRequests(endpoint);
    const secs = (performance.now() - t) / 1000;
    const idle1 = await cpuSample(sim, etcdPid);
    const pct = (k: keyof CpuSample) => `${((idle1[k] - idle0[k]) / 10 / secs).toFixed(0)}%`;
    const delta = requestDelta(before, after).filter(([k]) => !k.startsWith(STREAMS));
    const streams = requestDelta(before, after).filter(([k]) => k.startsWith(STREAMS));
    const requests = delta.reduce((a, [, n]) => a + n, 0);
    const idleStats = await sim.stats();
    const calls1 = callsOf(idleStats);
    const rereg = idleStats.workers.reduce((a, w) => a + w.reregistrations, 0);
    row(
      `etcd requests/s at idle (${MACHINES} machines, ${total} units)`,
      (requests / secs).toFixed(0),
      `fleet 1.0: 142 at 1,003 units`,
    );
    if (rereg > 0) row('  sessions lost and registered again so far', String(rereg));
    for (const [k, n] of delta.slice(0, 5)) row(`  ${k}`, `${(n / secs).toFixed(1)}/s`);
    row('  streams opened at idle', requestSummary(streams) || 'none');
    const idleWrites = [...o.changes]
      .map(([k, n]): [string, number] => [k, n - (changes0.get(k) ?? 0)])
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${(n / secs).toFixed(1)}/s`);
    row('  writes seen at idle (machine, state, assign keys)', idleWrites.join(', ') || 'none');
    for (const who of ['agents', 'followers', 'leader'] as const) {
      row(`  registry calls at idle, ${who}`, countsDelta(calls0[who], calls1[who], secs));
    }
    row('  agent warnings at idle', countsDelta(calls0.agentLog, calls1.agentLog, secs));
    row(
      'CPU at idle, % of one core',
      `engine ${pct('engine')}, etcd ${pct('etcd')}, all ${MACHINES} simulated fleetds ${pct('workers')}`,
      'fleet 1.0 leader: 28% at 1,000 units',
    );

    log('one schedule change, 5 times');
    const s0 = await sim.stats();
    const oneAssigned: number[] = [];
    const oneActive: number[] = [];
    const onePass: PassPhases[] = [];
    for (let k = 0; k < 5; k++) {
      const one = `bench-one-${k}.service`;
      t = performance.now();
      let assigned = NaN;
      void o
        .until(() => o.isAssigned(one), 30_000, 'the new unit assigned')
        .then(() => (assigned = performance.now() - t));
      await registry.createUnit({
        name: one,
        options: simUnitOptions(UNITS * 2 + k),
        desiredState: 'launched',
      });
      await o.until(() => o.activeOn(one).length === 1, 30_000, 'the new unit active');
      oneActive.push(performance.now() - t);
      oneAssigned.push(assigned);
      onePass.push((await sim.stats()).engine.lastTaskPass);
      await sleep(1_500);
    }
    const s1 = await sim.stats();
    const agentPhases = (st: SimulationStats) => {
      const out: CallCounts = new Map();
      for (const w of st.workers) addCounts(out, w.agentPhaseMs);
      return out;
    };
    const a0 = agentPhases(s0);
    const agentMs = [...agentPhases(s1)]
      .map(([k, v]) => `${k} ${((v - (a0.get(k) ?? 0)) / 5).toFixed(1)}`)
      .join(', ');
    const woken = [...s1.wakeups].filter(([id, n]) => n !== s0.wakeups.get(id)).length;
    row(
      'fleetds woken by 5 new units, one at a time',
      `${woken} agent(s) + engine (${s1.engine.reconciles - s0.engine.reconciles} passes)`,
    );
    row(
      'one new unit: create -> active published (median of 5)',
      ms(median(oneActive)),
      `each: ${oneActive.map((x) => Math.round(x)).join(', ')} ms`,
    );
    row(
      '  of which: create -> assignment seen (median of 5)',
      ms(median(oneAssigned)),
      `each: ${oneAssigned.map((x) => Math.round(x)).join(', ')} ms`,
    );

    row('  of which: the agent that ran it (mean of 5, ms)', agentMs);
    const phase = (k: Exclude<keyof PassPhases, 'kind'>) =>
      `${k} ${median(onePass.map((p) => p[k])).toFixed(1)}`;
    row(
      '  of which: the engine pass that placed it (median of 5, ms)',
      (['wake', 'snapshot', 'plan', 'write', 'reasons'] as const).map(phase).join(', '),
      `planned: ${onePass.map((p) => p.kind).join(', ')}`,
    );

    log('fleetctl list-units');
    const sock = join(dir, 'fleet.sock');
    server = await FleetServer.listen(createApi({ registry, version: 'sim' }), {
      unixSocket: sock,
      activation: false,
    });
    const ep = ['--endpoint', `unix://${sock}`];
    const lu = [FLEETCTL, ...ep, 'list-units', '--no-legend'];
    const lines = (await timeRun(lu)).out.trim().split('\n').length; // warm
    const base: number[] = [];
    const list: number[] = [];
    for (let i = 0; i < 5; i++) {
      base.push((await timeRun([FLEETCTL, 'version'])).ms);
      list.push((await timeRun(lu)).ms);
    }
    row(
      `fleetctl list-units, ${lines.toLocaleString('en')} units (median of 5)`,
      ms(median(list)),
      `fleetctl version ${ms(median(base))}`,
      (median(list) / median(base)).toFixed(1),
    );

    log('power cut of one simulated machine');
    const victim = sim.machines[1]?.id ?? '';
    const units = (await registry.listAssignments(victim)).items.map((a) => a.unit);
    t = performance.now();
    await sim.killMachine(victim);
    await o.until(() => !o.isLive(victim), 120_000, 'its lease to expire');
    const gone = performance.now() - t;
    await o.until(
      () => units.every((u) => o.activeOn(u).some((m) => m !== victim)),
      120_000,
      'its units active elsewhere',
    );
    const moved = performance.now() - t;
    row(
      `lost machine (${units.length} units) -> units active elsewhere`,
      s(moved),
      `lease expiry ${s(gone)} (TTL ${TTL} s)`,
      `+${ms(moved - gone)}`,
    );
  } finally {
    await server?.close().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    await observer?.close().catch(() => undefined);
    await registry.close().catch(() => undefined);
    await etcd.stop();
    await rm(dir, { recursive: true, force: true });
  }

  await realFleetdRss(Number(values['nspawn-units']));

  printTable();
}

/** Prints the table of every row so far. */
function printTable(): void {
  console.log(
    `\nfleet scale simulation: ${MACHINES} machines in ${WORKERS} worker processes ` +
      `(${CLIENT === 'shared' ? 'one etcd client per process' : 'one etcd client per simulated fleetd'}${values['no-followers'] ? '' : ', follower engines on after the first launch'}), ` +
      `${UNITS} units, start latency ${values['start-latency']} ms, agent TTL ${TTL} s; ` +
      `etcd 3.4, 1 member; node ${process.version}\n`,
  );
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  for (const r of [['what', 'measured', 'baseline (same run)', 'ratio'], ...rows])
    console.log(
      `${(r[0] ?? '').padEnd(w[0] ?? 0)}  ${(r[1] ?? '').padStart(w[1] ?? 0)}  ` +
        `${(r[2] ?? '').padEnd(w[2] ?? 0)}  ${r[3] ?? ''}`,
    );
}

/**
 * A real fleetd's memory with `units` units loaded and running in one systemd-nspawn machine, by
 * e2e/bench/agent-bench.ts (which boots the machine, runs the units and reads fleetd's VmRSS).
 * Needs root, systemd-nspawn and debootstrap; otherwise the row says why it is missing.
 */
async function realFleetdRss(units: number): Promise<void> {
  const what = `real fleetd RSS in an nspawn machine, ${units.toLocaleString('en')} units`;
  if (units <= 0) return;
  if (process.getuid?.() !== 0) {
    row(what, 'not measured (needs root)');
    return;
  }
  log(`a real fleetd with ${units} units in a systemd-nspawn machine (e2e/bench/agent-bench.ts)`);
  const script = fileURLToPath(new URL('../../../e2e/bench/agent-bench.ts', import.meta.url));
  try {
    const { out } = await timeRun([
      '--import',
      'tsx',
      script,
      '--runs',
      '1',
      '--bulk',
      String(units),
    ]);
    const idle = /idle, 0 units\s+([\d.]+) MiB/.exec(out)?.[1];
    const loaded = new RegExp(`${units} units loaded and running\\s+([\\d.]+) MiB`).exec(out)?.[1];
    if (idle === undefined || loaded === undefined) throw new Error(`no VmRSS lines in:\n${out}`);
    row(what, `${loaded} MiB`, `idle ${idle} MiB`, (Number(loaded) / Number(idle)).toFixed(2));
  } catch (err) {
    log(`real fleetd RSS: ${err instanceof Error ? err.message : String(err)}`);
    row(what, 'failed (see the log above)');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
