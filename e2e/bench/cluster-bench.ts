// A 3-machine fleet cluster's reaction times (not a test).
//   npx tsx e2e/bench/cluster-bench.ts [--starts 50] [--failovers 3] [--poweroffs 2] [--agent-ttl 5s]
// Boots etcd and 3 systemd-nspawn machines running this checkout's fleetd (the e2e `Cluster`) and
// measures, in one run:
//   - start latency: the compiled fleetctl `start --no-block` of a new unit file, against node1's TCP
//     API, → the unit active in systemd on whichever machine it was placed. BASELINES, interleaved
//     with the fleet runs (same noise): `systemctl start` of a unit already in /run/systemd/system,
//     and writing the unit file + `daemon-reload` + `systemctl start` (what the agent has to do),
//     each run from the host through nsenter inside one of the machines;
//   - engine failover: SIGKILL to the engine leader's fleetd, then at once `fleetctl start
//     --no-block` of a new unit through another machine → the unit active; and separately → a new
//     leader key in etcd;
//   - power-off: SIGKILL to a machine's PID 1 (a power cut) → each of its units active elsewhere.
// Every time is measured on CLOCK_MONOTONIC, which the host and the nspawn machines share: start
// = `process.hrtime.bigint()` just before the command is spawned (or the kill returned), end = the
// unit's `ActiveEnterTimestampMonotonic` read from systemd inside the machine. Polling only finds
// out when to read it, so its interval does not count.
// Needs root, `etcd`, systemd-nspawn and debootstrap (see e2e/README.md), and a built checkout
// (`npx tsc -b`). Leaves nothing behind.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep, waitFor } from '@fleet/testkit';
import { Cluster, sh, type NspawnMachine } from '../src/index.js';
import { projectDir } from '../src/project.js';
import {
  activeEnter,
  activeOn,
  DEADLINE_MS,
  fleetctlStart,
  leaderNode,
  median,
  mono,
  percentile,
  POLL_MS,
  serviceFile,
  settled,
  sinceT0,
} from './cluster-probes.js';

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '50' },
    failovers: { type: 'string', default: '3' },
    poweroffs: { type: 'string', default: '2' },
    'agent-ttl': { type: 'string', default: '5s' },
  },
});
const starts = Number(values.starts);
const failovers = Number(values.failovers);
const poweroffs = Number(values.poweroffs);
const agentTtl = values['agent-ttl'];
const MACHINES = 3;
/** fleetd's default engine_reconcile_interval; the leader lease is five of them. */
const RECONCILE_S = 2;

if (process.getuid?.() !== 0) {
  console.error('cluster-bench: run as root (it boots systemd-nspawn machines)');
  process.exit(2);
}
for (const f of ['packages/fleetd/dist/main.js', 'packages/fleetctl/dist/main.js']) {
  if (!existsSync(join(projectDir(), f))) {
    console.error(`cluster-bench: ${f} is missing: run \`npx tsc -b\` first`);
    process.exit(2);
  }
}

const say = (line: string): void => void process.stderr.write(`[cluster-bench] ${line}\n`);

// Everything started here, torn down by `cleanup()`, also on SIGINT/SIGTERM.
let cluster: Cluster | undefined;
let unitDir: string | undefined;
let booting = false;
let interrupted = false;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await cluster?.teardown().catch((err: unknown) => console.error('cluster teardown:', err));
    if (unitDir !== undefined) await rm(unitDir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\ncluster-bench: ${signal}, cleaning up`);
    interrupted = true;
    // While Cluster.start runs there is nothing to tear down yet: main() does it once it returns.
    if (!booting) void cleanup().finally(() => process.exit(130));
  });
}

interface StartResults {
  fleet: number[];
  fleetctlExit: number[];
  /** From fleetctl's exit to active: the cluster's share (API, engine, agent, systemd). */
  afterExit: number[];
  base: number[];
  baseReload: number[];
  placed: Map<string, number>;
}

async function oneFleetStart(c: Cluster, i: number, r: StartResults): Promise<void> {
  const unit = `start-${String(i).padStart(3, '0')}.service`;
  const [t0, exit] = await fleetctlStart(c, 'node1', unitDir ?? '', unit);
  const m = await activeOn(c, unit);
  const d = await sinceT0(m, unit, t0);
  r.fleet.push(d);
  r.fleetctlExit.push(exit);
  r.afterExit.push(d - exit);
  r.placed.set(m.name, (r.placed.get(m.name) ?? 0) + 1);
}

async function oneBaseline(m: NspawnMachine, i: number, r: StartResults): Promise<void> {
  const n = String(i).padStart(3, '0');
  const plain = `base-${n}.service`;
  await sh(
    m,
    `cat > /run/systemd/system/${plain} <<'U'\n${serviceFile(plain)}U\nsystemctl daemon-reload`,
  );
  let t0 = mono();
  const a = await m.exec('systemctl', ['start', plain]);
  if (a.code !== 0) throw new Error(`${m.name}: systemctl start ${plain}: ${a.stderr}`);
  r.base.push(await sinceT0(m, plain, t0));

  const reload = `reload-${n}.service`;
  const script =
    `cat > /run/systemd/system/${reload} <<'U'\n${serviceFile(reload)}U\n` +
    `systemctl daemon-reload && systemctl start ${reload}`;
  t0 = mono();
  const b = await m.exec('sh', ['-c', script]);
  if (b.code !== 0) throw new Error(`${m.name}: ${reload}: ${b.stderr}`);
  r.baseReload.push(await sinceT0(m, reload, t0));
}

async function measureStarts(c: Cluster): Promise<StartResults> {
  const r: StartResults = {
    fleet: [],
    fleetctlExit: [],
    afterExit: [],
    base: [],
    baseReload: [],
    placed: new Map(),
  };
  for (let i = 0; i < starts; i++) {
    // Baselines rotate over the machines; the order alternates so that neither always goes first.
    const m = c.nodes[i % c.nodes.length];
    if (m === undefined) throw new Error('no machines');
    if (i % 2 === 0) {
      await oneFleetStart(c, i, r);
      await oneBaseline(m, i, r);
    } else {
      await oneBaseline(m, i, r);
      await oneFleetStart(c, i, r);
    }
    if ((i + 1) % 10 === 0) say(`starts: ${i + 1}/${starts}`);
  }
  return r;
}

interface Failover {
  unit: number;
  leader: number;
  same: boolean;
}

async function oneFailover(c: Cluster, k: number): Promise<Failover> {
  await settled(c);
  await sleep(1_000);
  const old = await leaderNode(c);
  const oldToken = (await c.registry.getLeader())?.token;
  const via = c.nodes.find((n) => n !== old && n.running);
  if (via === undefined) throw new Error('no other machine');
  const unit = `failover-${k}.service`;
  await c.killFleet(old.name);
  const killed = mono();
  const newLeader = waitFor(
    async () => {
      const l = await c.registry.getLeader();
      return l !== undefined && l.token !== oldToken
        ? ([mono(), l.candidateId] as const)
        : undefined;
    },
    { timeoutMs: DEADLINE_MS, intervalMs: POLL_MS, what: 'a new engine leader' },
  );
  newLeader.catch(() => undefined); // awaited below; not unhandled if the start fails first
  await fleetctlStart(c, via.name, unitDir ?? '', unit);
  const m = await activeOn(c, unit);
  const unitMs = await sinceT0(m, unit, killed);
  const [at, who] = await newLeader;
  return { unit: unitMs, leader: at - killed, same: who === old.machineId };
}

interface PowerOff {
  units: number;
  first: number;
  median: number;
  last: number;
}

async function onePowerOff(c: Cluster): Promise<PowerOff> {
  await settled(c);
  await sleep(1_000);
  const leader = await leaderNode(c);
  const { items } = await c.registry.listUnitStates();
  // The machine (not the engine leader's, so only the agent TTL is measured) with most units.
  const victim = c.nodes
    .filter((n) => n.running && n !== leader)
    .map((n) => ({
      n,
      units: items
        .filter((s) => s.machineId === n.machineId && s.activeState === 'active')
        .map((s) => s.unit),
    }))
    .sort((a, b) => b.units.length - a.units.length)[0];
  if (victim === undefined || victim.units.length === 0)
    throw new Error('no machine with units to power off');
  say(`power-off: ${victim.n.name} with ${victim.units.length} units`);
  const t0 = mono();
  await c.powerOff(victim.n.name);
  const moved = new Map<string, NspawnMachine>();
  await waitFor(
    async () => {
      const st = (await c.registry.listUnitStates()).items;
      for (const u of victim.units) {
        const s = st.find(
          (x) => x.unit === u && x.activeState === 'active' && x.machineId !== victim.n.machineId,
        );
        const m = c.nodes.find((n) => n.machineId === s?.machineId);
        if (m !== undefined) moved.set(u, m);
      }
      return moved.size === victim.units.length;
    },
    {
      timeoutMs: DEADLINE_MS,
      intervalMs: POLL_MS * 5,
      what: `${victim.n.name}'s units to be active elsewhere`,
    },
  );
  const times: number[] = [];
  for (const m of new Set(moved.values())) {
    const us = [...moved].filter(([, x]) => x === m).map(([u]) => u);
    for (const at of (await activeEnter(m, us)).values()) times.push(at - t0);
  }
  say(`power-on: ${victim.n.name}`);
  await c.powerOn(victim.n.name);
  return {
    units: times.length,
    first: Math.min(...times),
    median: median(times),
    last: Math.max(...times),
  };
}

interface Results {
  starts: StartResults;
  failovers: Failover[];
  poweroffs: PowerOff[];
}

async function main(): Promise<Results> {
  unitDir = await mkdtemp(join(tmpdir(), 'fleet-cluster-bench-'));
  say(`booting etcd and ${MACHINES} machines (agent_ttl ${agentTtl})`);
  booting = true;
  try {
    cluster = await Cluster.start({ machines: MACHINES, agentTtl });
  } finally {
    booting = false;
  }
  if (interrupted) {
    await cleanup();
    process.exit(130);
  }
  const c = cluster;
  await settled(c);
  say(`start latency: ${starts} fleet starts, interleaved with baselines`);
  const startResults = await measureStarts(c);
  const fo: Failover[] = [];
  for (let k = 0; k < failovers; k++) {
    say(`engine failover ${k + 1}/${failovers}`);
    fo.push(await oneFailover(c, k));
  }
  const po: PowerOff[] = [];
  for (let k = 0; k < poweroffs; k++) po.push(await onePowerOff(c));
  return { starts: startResults, failovers: fo, poweroffs: po };
}

let r: Results;
try {
  r = await main();
} finally {
  await cleanup();
}

const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(10);
const s = r.starts;
const base = median(s.base);
console.log(
  `\nfleet on ${MACHINES} systemd-nspawn machines (Debian 12), etcd (1 member) on loopback, ` +
    `node ${process.version}, agent_ttl ${agentTtl}; one run\n`,
);
console.log(
  `start -> active in systemd, ${starts} new units (CLOCK_MONOTONIC: spawn -> ActiveEnterTimestamp)`,
);
const reload = median(s.baseReload);
console.log(
  `${''.padEnd(52)}${'median'.padStart(10)}${'p99'.padStart(10)}${'min'.padStart(10)}` +
    `${'/start'.padStart(8)}${'/reload'.padStart(8)}`,
);
const row = (label: string, xs: readonly number[]) =>
  console.log(
    `${label.padEnd(52)}${ms(median(xs))}${ms(percentile(xs, 99))}${ms(Math.min(...xs))}` +
      `${(median(xs) / base).toFixed(1).padStart(8)}${(median(xs) / reload).toFixed(1).padStart(8)}`,
  );
row('fleetctl start --no-block (TCP API) -> active', s.fleet);
row('  of which fleetctl exec -> exit', s.fleetctlExit);
row('  of which fleetctl exit -> active', s.afterExit);
row('baseline /start: systemctl start (unit in place)', s.base);
row('baseline /reload: write unit, daemon-reload, start', s.baseReload);
console.log(
  `(p99 is nearest-rank: sample ${Math.ceil(0.99 * starts)} of ${starts} in ascending order)`,
);
console.log(
  `placed: ${[...s.placed]
    .sort()
    .map(([n, k]) => `${n} ${k}`)
    .join(', ')}\n`,
);

const lease = 5 * RECONCILE_S;
console.log(
  `engine failover, ${r.failovers.length} runs (leader lease ${lease} s = 5 x engine_reconcile_interval ${RECONCILE_S} s)`,
);
console.log(
  `${''.padEnd(52)}${'median'.padStart(10)}${'max'.padStart(10)}${'min'.padStart(10)}  / lease`,
);
const frow = (label: string, xs: readonly number[]) =>
  console.log(
    `${label.padEnd(52)}${ms(median(xs))}${ms(Math.max(...xs))}${ms(Math.min(...xs))}  ${(median(xs) / (lease * 1000)).toFixed(2)}`,
  );
frow(
  'SIGKILL leader fleetd -> new leader key in etcd',
  r.failovers.map((f) => f.leader),
);
frow(
  'SIGKILL leader fleetd -> new unit active',
  r.failovers.map((f) => f.unit),
);
console.log(
  `(new leader on the killed leader's machine, its fleetd restarted by systemd: ${r.failovers.filter((f) => f.same).length} of ${r.failovers.length})\n`,
);

const ttl =
  Number.parseFloat(agentTtl) * (agentTtl.endsWith('ms') ? 0.001 : agentTtl.endsWith('m') ? 60 : 1);
console.log(
  `power-off (SIGKILL to PID 1) -> its units active elsewhere, ${r.poweroffs.length} runs`,
);
console.log(
  `${''.padEnd(52)}${'first'.padStart(10)}${'median'.padStart(10)}${'last'.padStart(10)}  last / TTL`,
);
for (const [k, p] of r.poweroffs.entries()) {
  console.log(
    `${`run ${k + 1}: ${p.units} units`.padEnd(52)}${ms(p.first)}${ms(p.median)}${ms(p.last)}  ${(p.last / (ttl * 1000)).toFixed(2)}`,
  );
}
