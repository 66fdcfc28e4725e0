// The agent's reaction time and fleetd's memory, on a real machine (not a test).
//   npx tsx e2e/bench/agent-bench.ts [--runs 20] [--bulk 100]
// Boots one systemd-nspawn machine (the e2e harness), starts etcd, and installs fleet from its .deb
// with fleetd's engine disabled, so that this script plays the engine: it creates each unit in the
// registry, campaigns for leadership and writes the assignment itself. Measures, in one run:
//   - latency: assignment written (just before applyAssignments) → the unit's state published with
//     activeState `active` (polled every 5 ms), one new unit per run; BASELINE: the same unit
//     written to /run/systemd/system, daemon-reload and `systemctl start` inside the machine,
//     timed there with `date +%s%N`. Runs alternate agent / baseline, so both see the same noise;
//   - bulk: `--bulk` units assigned in one applyAssignments call → the last published active;
//     BASELINE: as many unit files, one daemon-reload and one `systemctl start` of all of them;
//   - fleetd's VmRSS idle (0 units) and with the bulk units running.
// Needs root, `etcd`, systemd-nspawn and debootstrap (see e2e/README.md), and a built checkout
// (`npm run build`; the .deb is built from it when the e2e cache has none). Leaves nothing behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AssignmentOp, Leadership } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, sleep, waitFor } from '@fleet/testkit';
import {
  bootMachines,
  fleetClient,
  installFleet,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from '../src/index.js';
import { projectDir } from '../src/project.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    bulk: { type: 'string', default: '100' },
  },
});
const runs = Number(values.runs);
const bulk = Number(values.bulk);
const PREFIX = '/fleet-agent-bench/';
const POLL_MS = 5;
const DEADLINE_MS = 120_000;

if (process.getuid?.() !== 0) {
  console.error('agent-bench: run as root (it boots systemd-nspawn machines)');
  process.exit(2);
}
if (!existsSync(join(projectDir(), 'packages/fleetd/dist/main.js'))) {
  console.error('agent-bench: packages/fleetd/dist/main.js is missing: run `npm run build` first');
  process.exit(2);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const now = () => performance.now();

const serviceBody = (what: string) =>
  `[Unit]\nDescription=agent-bench ${what}\n\n[Service]\nExecStart=/bin/sleep infinity\n`;
const serviceOptions = (what: string) => [
  { section: 'Unit', name: 'Description', value: `agent-bench ${what}` },
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' },
];

// Everything started here, torn down in reverse order by `cleanup()`, also on SIGINT/SIGTERM.
let etcd: EtcdCluster | undefined;
let registry: EtcdRegistry | undefined;
let machines: Machines | undefined;
let lead: Leadership | undefined;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await lead?.resign().catch(() => undefined);
    await registry?.close().catch(() => undefined);
    await machines?.teardown().catch((err: unknown) => console.error('machine teardown:', err));
    await etcd?.stop().catch((err: unknown) => console.error('etcd stop:', err));
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nagent-bench: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Polls the registry every 5 ms until `ready(states)`; returns the host time it saw that. */
async function publishedWhen(
  reg: EtcdRegistry,
  filter: { machineId?: string; unitName?: string },
  ready: (states: readonly { unit: string; machineId: string; activeState: string }[]) => boolean,
  what: string,
): Promise<number> {
  const deadline = now() + DEADLINE_MS;
  for (;;) {
    const { items } = await reg.listUnitStates(filter);
    const t = now();
    if (ready(items)) return t;
    if (t > deadline) throw new Error(`agent-bench: timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** fleetd's resident set in KiB (VmRSS of fleet.service's main process), median of 5 samples. */
async function fleetdRssKiB(m: NspawnMachine): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const pid = await unitProperty(m, 'fleet.service', 'MainPID');
    const line = await sh(m, `grep VmRSS /proc/${pid}/status`);
    const kib = Number(/VmRSS:\s+(\d+)\s+kB/.exec(line)?.[1]);
    if (!Number.isFinite(kib)) throw new Error(`agent-bench: no VmRSS in ${JSON.stringify(line)}`);
    samples.push(kib);
    await sleep(500);
  }
  return median(samples);
}

/** Runs a script inside the machine that prints nanoseconds; returns them as milliseconds. */
async function insideMs(m: NspawnMachine, body: string): Promise<number> {
  const out = await sh(
    m,
    `t0=$(date +%s%N)\n${body}\nt1=$(date +%s%N)\necho $((t1 - t0))`,
    120_000,
  );
  return Number(out.trim()) / 1e6;
}

interface Results {
  readonly agent: number[];
  readonly base: number[];
  readonly baseHost: number[];
  bulkAgent: number;
  bulkFirst: number;
  bulkBase: number;
  rssIdle: number;
  rssBulk: number;
}

async function main(): Promise<Results> {
  etcd = await EtcdCluster.start({ members: 1 });
  const etcdUrl = etcd.endpoints[0] ?? '';
  const reg = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
  registry = reg;
  console.error('booting a machine');
  machines = await bootMachines(1);
  const m = machines.get('node1');
  await installFleet(m, { etcdUrl, prefix: PREFIX, extra: ['disable_engine=true'] });
  const api = fleetClient(m);
  try {
    await waitFor(
      async () => (await api.listMachines().catch(() => [])).some((x) => x.id === m.machineId),
      { timeoutMs: 60_000, intervalMs: 100, what: "fleetd's machine to be listed by its API" },
    );
  } finally {
    api.close();
  }
  lead = await reg.campaign('agent-bench', 30);
  if (lead === undefined) throw new Error('agent-bench: someone else leads the engine');
  const token = lead.token;
  const results: Results = {
    agent: [],
    base: [],
    baseHost: [],
    bulkAgent: NaN,
    bulkFirst: NaN,
    bulkBase: NaN,
    rssIdle: NaN,
    rssBulk: NaN,
  };

  console.error('fleetd registered; idle memory');
  await sleep(2_000);
  results.rssIdle = await fleetdRssKiB(m);

  // Bulk: every unit created first (not timed), then one applyAssignments call.
  console.error(`bulk: ${bulk} units`);
  const names = Array.from(
    { length: bulk },
    (_, i) => `bulk-${String(i).padStart(3, '0')}.service`,
  );
  const ops: AssignmentOp[] = [];
  for (const unit of names) {
    const { hash } = await reg.createUnit({
      name: unit,
      options: serviceOptions(unit),
      desiredState: 'launched',
    });
    ops.push({ kind: 'schedule', machineId: m.machineId, unit, hash, desiredState: 'launched' });
  }
  const isBulk = (s: { unit: string; activeState: string }) =>
    s.unit.startsWith('bulk-') && s.activeState === 'active';
  const t0 = now();
  await reg.applyAssignments(token, ops);
  const first = publishedWhen(
    reg,
    { machineId: m.machineId },
    (xs) => xs.some(isBulk),
    'the first bulk unit',
  );
  const last = publishedWhen(
    reg,
    { machineId: m.machineId },
    (xs) => xs.filter(isBulk).length === bulk,
    `${bulk} bulk units active`,
  );
  results.bulkFirst = (await first) - t0;
  results.bulkAgent = (await last) - t0;
  await sleep(2_000);
  results.rssBulk = await fleetdRssKiB(m);

  console.error(`bulk baseline: ${bulk} units with systemctl`);
  // A loop rather than one heredoc per unit: the script is one argument of nsenter, and a
  // thousand heredocs exceed the kernel's limit for one argument (E2BIG).
  const body = serviceBody('%s').replaceAll('\n', '\\n');
  const files =
    `for n in ${names.join(' ')}; do ` +
    `printf '${body}' "$n" > /run/systemd/system/base-$n; done`;
  results.bulkBase = await insideMs(
    m,
    `${files}\nsystemctl daemon-reload\nsystemctl start ${names.map((n) => `base-${n}`).join(' ')}`,
  );
  await sh(
    m,
    'systemctl stop "base-bulk-*.service"; rm -f /run/systemd/system/base-bulk-*; systemctl daemon-reload',
    120_000,
  );
  // Take the bulk units away again, so that the latency runs start from an empty machine.
  await reg.applyAssignments(
    token,
    names.map((unit) => ({ kind: 'unschedule', machineId: m.machineId, unit })),
  );
  await publishedWhen(
    reg,
    { machineId: m.machineId },
    (xs) => !xs.some((s) => s.unit.startsWith('bulk-')),
    'the bulk units to be unloaded',
  );
  for (const unit of names) await reg.destroyUnit(unit);

  console.error(`latency: ${runs} runs`);
  for (let i = 0; i < runs; i++) {
    const unit = `lat-${String(i).padStart(2, '0')}.service`;
    const { hash } = await reg.createUnit({
      name: unit,
      options: serviceOptions(unit),
      desiredState: 'launched',
    });
    const start = now();
    await reg.applyAssignments(token, [
      { kind: 'schedule', machineId: m.machineId, unit, hash, desiredState: 'launched' },
    ]);
    const active = await publishedWhen(
      reg,
      { unitName: unit },
      (xs) => xs.some((s) => s.machineId === m.machineId && s.activeState === 'active'),
      `${unit} active`,
    );
    results.agent.push(active - start);

    const base = `base-${String(i).padStart(2, '0')}.service`;
    const hostStart = now();
    results.base.push(
      await insideMs(
        m,
        `cat > /run/systemd/system/${base} <<'UNIT'\n${serviceBody(base)}UNIT\n` +
          `systemctl daemon-reload\nsystemctl start ${base}`,
      ),
    );
    results.baseHost.push(now() - hostStart);
  }
  if (!lead.isLeader()) throw new Error('agent-bench: lost leadership during the run');
  return results;
}

let r: Results;
try {
  r = await main();
} finally {
  await cleanup();
}

const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(11);
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`.padStart(11);
const baseMedian = median(r.base);
console.log(
  `\nfleet agent on one systemd-nspawn machine (Debian 12), etcd (1 member) on loopback, ` +
    `node ${process.version}; one run\n`,
);
console.log(`assignment written -> state published active, ${runs} runs (one new unit each)`);
console.log(
  `${''.padEnd(46)}${'median'.padStart(11)}${'p90'.padStart(11)}${'min'.padStart(11)}${'max'.padStart(11)}  ratio`,
);
const row = (label: string, xs: readonly number[]) =>
  console.log(
    `${label.padEnd(46)}${ms(median(xs))}${ms(percentile(xs, 90))}${ms(Math.min(...xs))}${ms(Math.max(...xs))}  ${(median(xs) / baseMedian).toFixed(1)}`,
  );
row('fleet agent (host clock, 5 ms polls of etcd)', r.agent);
row('baseline: write+daemon-reload+start (inside)', r.base);
row('  the same, timed on the host around nsenter', r.baseHost);
console.log(
  `\n${bulk} units at once${''.padEnd(32 - String(bulk).length)}${'fleet'.padStart(11)}${'baseline'.padStart(11)}  ratio`,
);
console.log(
  `${'first assignment -> last active'.padEnd(46)}${ms(r.bulkAgent)}${ms(r.bulkBase)}  ${(r.bulkAgent / r.bulkBase).toFixed(1)}`,
);
console.log(`${'first assignment -> first active'.padEnd(46)}${ms(r.bulkFirst)}`);
console.log(
  `(baseline: ${bulk} unit files, one daemon-reload, one systemctl start of all, inside)\n`,
);
console.log(`fleetd VmRSS (median of 5 samples)`);
console.log(`${'idle, 0 units'.padEnd(46)}${mib(r.rssIdle)}`);
console.log(
  `${`${bulk} units loaded and running`.padEnd(46)}${mib(r.rssBulk)}  ` +
    `x${(r.rssBulk / r.rssIdle).toFixed(2)}, +${((r.rssBulk - r.rssIdle) / bulk).toFixed(0)} KiB per unit`,
);
