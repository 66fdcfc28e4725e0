// What fleetctl users wait for, on a 3-machine fleet cluster, beside plain systemd (not a test).
//   npm run bench:cluster -- [--quick] [--batch 100,1000] [--batch-runs 3] [--starts 20]
//     [--lists 10] [--failovers 6] [--poweroffs 3] [--agent-ttl 30s]
// Boots etcd and 3 systemd-nspawn machines running this checkout's fleetd (the e2e `Cluster`) at
// fleetd's own default settings (--agent-ttl overrides agent_ttl) and measures, in one run:
//   - one `fleetctl start --no-block` of a new unit (bench-starts.ts);
//   - batches: start of N unit files in one invocation → all active, destroy of them → all gone,
//     and `fleetctl list-units` with the first batch size running (bench-batch.ts);
//   - the engine leader's fleetd killed → a new unit active; a machine powered off → its units
//     active elsewhere (bench-faults.ts).
// Plain systemd does the same in the same machines, interleaved. Every time is CLOCK_MONOTONIC,
// which the host and the machines share: from just before a command is spawned (or a kill
// returned) to systemd's ActiveEnterTimestampMonotonic, or the journal stamp of its "Stopped"
// line; polling only finds out when to read those. `--quick` is a small run for development.
// Needs root, `etcd`, systemd-nspawn and debootstrap (see e2e/README.md), and `npm run build`.
// Leaves nothing behind, also on Ctrl-C or failure.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cluster } from '../src/index.js';
import { projectDir } from '../src/project.js';
import { batchRun, type BatchRun } from './bench-batch.js';
import { oneFailover, onePowerOff } from './bench-faults.js';
import { measureStarts, noStartResults } from './bench-starts.js';
import { fleetDefaults, printResults, type Results } from './bench-report.js';
import { bundleFresh, FLEETCTL_BUNDLE, settled } from './cluster-probes.js';
import { unlimitJournal } from './systemd-probes.js';

const fail = (line: string): never => {
  console.error(`cluster-bench: ${line}`);
  process.exit(2);
};

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  batch: { type: 'string' },
  'batch-runs': { type: 'string' },
  starts: { type: 'string' },
  lists: { type: 'string' },
  failovers: { type: 'string' },
  poweroffs: { type: 'string' },
  'agent-ttl': { type: 'string' },
} as const;
function parse() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    return fail((err as Error).message);
  }
}
const values = parse();
const count = (
  name: 'batch-runs' | 'starts' | 'lists' | 'failovers' | 'poweroffs',
  full: string,
  quick: string,
  min = 0,
): number => {
  const raw = values[name];
  const text = typeof raw === 'string' ? raw : values.quick ? quick : full;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${name} ${text}: expected a whole number ≥ ${min}`);
  return n;
};
const batchText = values.batch ?? (values.quick ? '20' : '100,1000');
const batches = batchText.split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) fail(`--batch ${batchText}: expected counts such as 100,1000`);
  return n;
});
const opts = {
  batches,
  batchRuns: count('batch-runs', '3', '1', 1),
  starts: count('starts', '20', '5', 1),
  lists: count('lists', '10', '3'),
  failovers: count('failovers', '6', '1'),
  poweroffs: count('poweroffs', '3', '1'),
  agentTtl: values['agent-ttl'],
};
const MACHINES = 3;

if (process.getuid?.() !== 0) fail('run as root (it boots systemd-nspawn machines)');
for (const f of [join(projectDir(), 'packages/fleetd/dist/main.js'), FLEETCTL_BUNDLE]) {
  if (!existsSync(f)) fail(`${f} is missing: run \`npm run build\` first`);
}

if (!bundleFresh())
  fail(
    `${FLEETCTL_BUNDLE} is older than the build: run \`npm run build\` (bin/fleetctl would not use it)`,
  );

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

async function main(): Promise<Results> {
  const dir = (unitDir = await mkdtemp(join(tmpdir(), 'fleet-cluster-bench-')));
  say(`booting etcd and ${MACHINES} machines (agent_ttl ${opts.agentTtl ?? "fleetd's default"})`);
  booting = true;
  try {
    // The checkout bound in: the bench runs its fleetctl and `node -e` inside a machine.
    cluster = await Cluster.start({
      machines: MACHINES,
      agentTtl: opts.agentTtl ?? null,
      bindProject: true,
    });
  } finally {
    booting = false;
  }
  if (interrupted) {
    await cleanup();
    process.exit(130);
  }
  const c = cluster;
  await settled(c);
  await Promise.all(c.nodes.map((m) => unlimitJournal(m)));
  const res: Results = {
    starts: noStartResults(),
    batches: new Map(),
    lists: [],
    failovers: [],
    poweroffs: [],
  };
  // Batches first, so that list-units lists the batch's units alone.
  for (const [i, n] of batches.entries()) {
    const runs: BatchRun[] = [];
    for (let r = 0; r < opts.batchRuns; r++) {
      say(`batch of ${n}: run ${r + 1}/${opts.batchRuns}`);
      const lists = i === 0 ? opts.lists : 0;
      runs.push(await batchRun(c, dir, n, r, lists, (w) => res.lists.push(w)));
    }
    res.batches.set(n, runs);
  }
  say(`single starts: ${opts.starts}, interleaved with baselines`);
  res.starts = await measureStarts(c, dir, opts.starts, say);
  for (let k = 0; k < opts.failovers; k++) {
    say(`engine failover ${k + 1}/${opts.failovers}`);
    res.failovers.push(await oneFailover(c, dir, k));
  }
  for (let k = 0; k < opts.poweroffs; k++) res.poweroffs.push(await onePowerOff(c, say));
  return res;
}

const defaults = await fleetDefaults();
let results: Results;
try {
  results = await main();
} catch (err) {
  if (!interrupted) console.error(`cluster-bench: ${(err as Error).message}`);
  await cleanup();
  process.exit(interrupted ? 130 : 1);
}
await cleanup();
printResults(results, { ...opts, machines: MACHINES, defaults });
