// fleetd's memory, this checkout against a baseline revision, in one run on one machine: the
// resident set of a fleetd idle (registered, engine leader, nothing to run) and of the same fleetd
// once it runs 1,000 units, under the machine's Node (20) and under the project's Node 24
// (scripts/node24.sh), beside a Node process that does nothing (the floor). Not a test: figures.
//   npm run bench:memory -- [--rev a9637ca] [--previous f75b0de] [--settle 20] [--samples 5] [--units 1000]
//                           [--node 20,24] [--no-sea] [--try '[NAME=value]... <node flags>']...
// Every fleetd is the real process, command line, configuration, etcd (one real etcd on loopback,
// started here) and signals, with systemd faked: the test fixture fleetd-fake-systemd (this host
// has no system bus to give a real fleetd), which loads everything the real entry point loads
// (DbusSystemd included) and uses FakeSystemd instead. The baseline runs as `bin/fleetd` ran it at
// `--rev`: the compiled ES modules, no node flags, built in a temp `git worktree` (removed at the
// end). The previous figure is fleetd as bin/fleetd ran it at `--previous` (that revision's bundler
// and node flags, built the same way). This checkout runs as bin/fleetd runs it now: the fixture bundled as dist/fleetd.cjs is
// (scripts/bundle.mjs: one file, loaded with V8's code cache) under bin/fleetd's node flags and
// environment; the bundle without the cache, without flags, under the previous flags and without
// the environment shows what each step buys, and each `--try` adds the bundle under other flags
// and environment. Under Node 24, the `fleet` executable too (packaging/src/sea-build.ts, the
// fixture as its fleetd), with the environment fleet.service gives it and without. All fleetds
// run at once, each on its own key prefix, so that load from elsewhere weighs on all alike.
// Memory is sampled after `--settle` seconds (V8 shrinks an idle heap after a few seconds), once a
// second, `--samples` times: medians of VmRSS (/proc/PID/status), Pss and private memory
// (/proc/PID/smaps_rollup; shared pages of the node binary are counted in RSS, not in private).
// CPU is the process's user+system time to start (exec → machine registered) and to take the
// units (written → all published active).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EtcdRegistry } from '@fleet/registry/etcd';
import {
  baselineWorktree,
  EtcdCluster,
  spawnTracked,
  waitFor,
  type TrackedProcess,
} from '@fleet/testkit';
import { bundleFleetd, fleetdNodeFlags } from '../scripts/bundle.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURE = 'packages/fleetd/dist/testing/fleetd-fake-systemd.js';
const FIXTURE_SOURCE = 'packages/fleetd/src/testing/fleetd-fake-systemd.ts';
/** bin/fleetd's node flags at --previous: this bundle under them shows what the bundle's changes bought. */
const PREVIOUS_FLAGS = ['--max-semi-space-size=1', '--lite-mode'];

const { values } = parseArgs({
  allowNegative: true,
  options: {
    rev: { type: 'string', default: 'a9637ca' },
    previous: { type: 'string', default: 'f75b0de' },
    settle: { type: 'string', default: '20' },
    samples: { type: 'string', default: '5' },
    units: { type: 'string', default: '1000' },
    try: { type: 'string', multiple: true, default: [] },
    node: { type: 'string', default: '20,24' },
    sea: { type: 'boolean', default: true },
  },
});
const SETTLE_MS = Number(values.settle) * 1000;
const SAMPLES = Number(values.samples);
const UNITS = Number(values.units);

const undo: (() => Promise<unknown>)[] = [];
process.once('SIGINT', () => {
  console.error('\nmemory-bench: SIGINT, cleaning up');
  void (async () => {
    for (const fn of undo.reverse()) await fn().catch(() => undefined);
  })().finally(() => process.exit(130));
});

function sh(cmd: string, args: readonly string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worktree of `rev` sharing this checkout's node_modules except the workspace links; built. */
async function baselineTree(rev: string): Promise<string> {
  const tree = await baselineWorktree(ROOT, rev);
  undo.push(() => tree.remove());
  console.log(`building ${rev} in ${tree.dir} …`);
  sh(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/fleetd'], tree.dir);
  return tree.dir;
}

interface Variant {
  readonly name: string;
  readonly node: string;
  readonly args: readonly string[];
  /** A fleetd (else the floor: a node process that does nothing). */
  readonly fleetd: boolean;
  /** Environment beside PATH. */
  readonly env?: Readonly<Record<string, string>>;
}

/** `export NAME="${NAME:-value}"` lines of bin/fleetd: the environment it gives node. */
async function binFleetdEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(ROOT, 'bin/fleetd'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export (\w+)="\$\{\1:-([^}]*)\}"$/gm))
    env[m[1] ?? ''] = m[2] ?? '';
  return env;
}

/** units/fleet.service's Environment= lines but PATH: what the packaged fleetd runs with. */
async function unitEnv(): Promise<Record<string, string>> {
  const text = await readFile(join(ROOT, 'units/fleet.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=(\w+)=(.*)$/gm)) {
    if (m[1] !== 'PATH') env[m[1] ?? ''] = m[2] ?? '';
  }
  return env;
}

/** The `fleet` executable (packaging/src/sea-build.ts) with the fixture as its fleetd. */
function seaExecutable(work: string): string {
  const exe = join(work, 'fleet');
  console.log('building the fleet executable with the fixture as its fleetd …');
  sh(
    join(ROOT, 'node_modules/.bin/tsx'),
    ['packaging/src/sea-build.ts', '--out', exe, '--fleetd-entry', FIXTURE_SOURCE],
    ROOT,
  );
  return exe;
}

interface Sample {
  rss: number;
  pss: number;
  priv: number;
}

async function sampleMemory(pid: number): Promise<Sample> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (text: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return {
    rss: kb(status, 'VmRSS') / 1024,
    pss: kb(rollup, 'Pss') / 1024,
    priv: (kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty')) / 1024,
  };
}

/** User + system CPU seconds the process has used. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ)
}

async function medians(pid: number): Promise<Sample> {
  const got: Sample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(1000);
    got.push(await sampleMemory(pid));
  }
  return {
    rss: median(got.map((s) => s.rss)),
    pss: median(got.map((s) => s.pss)),
    priv: median(got.map((s) => s.priv)),
  };
}

interface Run {
  readonly variant: Variant;
  readonly process: TrackedProcess;
  readonly prefix: string;
  readonly machineId: string;
  startCpu?: number;
  unitsCpu?: number;
  idle?: Sample;
  loaded?: Sample;
}

async function main(): Promise<void> {
  const node24 = join(sh(join(ROOT, 'scripts/node24.sh'), [], ROOT).trim(), 'node');
  const base = await baselineTree(values.rev);
  // The previous figure: fleetd as bin/fleetd ran it at --previous (its bundler, its flags).
  const prev = values.previous === '' ? undefined : await baselineTree(values.previous);
  const prevBundler = (
    prev === undefined ? undefined : await import(join(prev, 'packages/fleetd/scripts/bundle.mjs'))
  ) as { bundleFleetd: typeof bundleFleetd; fleetdNodeFlags: typeof fleetdNodeFlags } | undefined;
  const prevFlags = prevBundler === undefined ? [] : await prevBundler.fleetdNodeFlags();
  const work = await mkdtemp(join(tmpdir(), 'fleetd-memory-'));
  undo.push(() => rm(work, { recursive: true, force: true }));
  const flags = await fleetdNodeFlags();
  const env = await binFleetdEnv();
  const envWords = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const nodes = (
    [
      ['Node 20', process.execPath],
      ['Node 24', node24],
    ] as const
  ).filter(([n]) => values.node.split(',').includes(n.slice(5)));
  const variants: Variant[] = [];
  let bundles = 0;
  /** The fixture bundled with its loader, the code cache made by `node` under `nodeFlags`. */
  const bundled = async (node: string, nodeFlags: readonly string[], codeCache: boolean) => {
    const outdir = join(work, `bundle-${++bundles}`);
    const name = 'fleetd-fake-systemd';
    await bundleFleetd({
      entry: join(ROOT, FIXTURE),
      outdir,
      name,
      flags: nodeFlags,
      node,
      codeCache,
    });
    return [...nodeFlags, join(outdir, `${name}.cjs`)];
  };
  for (const [n, node] of nodes) {
    const floor = ['-e', 'setInterval(() => {}, 1000)'];
    const add = (name: string, args: readonly string[], fleetd = true, e = {}) =>
      variants.push({ name: `${name}, ${n}`, node, args, fleetd, env: e });
    add('floor: node doing nothing', floor, false);
    add(`baseline ${values.rev} (ES modules)`, [join(base, FIXTURE)]);
    add('bundle, no code cache, no flags', await bundled(node, [], false));
    add('bundle, code cache, no flags', await bundled(node, [], true));
    if (prev !== undefined && prevBundler !== undefined) {
      const outdir = join(work, `bundle-${++bundles}`);
      const name = 'fleetd-fake-systemd';
      await prevBundler.bundleFleetd({ entry: join(prev, FIXTURE), outdir, name, node });
      add(`previous ${values.previous} (bin/fleetd): ${prevFlags.join(' ')}`, [
        ...prevFlags,
        join(outdir, `${name}.cjs`),
      ]);
    }
    add(
      `bundle, code cache, ${PREVIOUS_FLAGS.join(' ')}`,
      await bundled(node, PREVIOUS_FLAGS, true),
    );
    add(`bundle, code cache, ${flags.join(' ')}`, await bundled(node, flags, true));
    add(
      `this checkout (bin/fleetd): ${[...envWords, ...flags].join(' ')}`,
      await bundled(node, flags, true),
      true,
      env,
    );
    for (const t of values.try) {
      // `NAME=value` words are the environment, the others node flags.
      const words = t.split(/\s+/).filter((x) => x !== '');
      const f = words.filter((w) => !/^\w+=/.test(w));
      const e = Object.fromEntries(
        words.filter((w) => /^\w+=/.test(w)).map((w) => w.split('=', 2)),
      );
      add(`bundle, code cache, ${t}`, await bundled(node, f, true), true, e);
    }
  }
  if (values.sea && nodes.some(([n]) => n === 'Node 24')) {
    const exe = seaExecutable(work);
    const uenv = await unitEnv();
    const uwords = Object.entries(uenv).map(([k, v]) => `${k}=${v}`);
    variants.push({
      name: `fleet executable (SEA) as fleet.service runs it: ${uwords.join(' ')}, Node 24`,
      node: exe,
      args: ['fleetd'],
      fleetd: true,
      env: uenv,
    });
    variants.push({
      name: 'fleet executable (SEA), no environment, Node 24',
      node: exe,
      args: ['fleetd'],
      fleetd: true,
    });
  }
  const versions = nodes.map(([n, node]) => `${n} = ${sh(node, ['--version'], ROOT).trim()}`);
  console.log(
    `${versions.join(', ')}; ${UNITS} units; settle ${SETTLE_MS / 1000} s; ${SAMPLES} samples`,
  );

  const etcd = await EtcdCluster.start();
  undo.push(() => etcd.stop());
  const runs: Run[] = [];
  undo.push(async () => {
    for (const r of runs) await r.process.stop();
  });
  let i = 0;
  for (const variant of variants) {
    i++;
    const dir = join(work, `f${i}`);
    await mkdir(dir);
    const machineId = `${'a'.repeat(30)}${String(i).padStart(2, '0')}`;
    await writeFile(join(dir, 'machine-id'), `${machineId}\n`);
    const prefix = `/memory-bench-${i}/`;
    const fleetdArgs = Object.entries({
      etcd_servers: etcd.endpoints.join(','),
      etcd_key_prefix: prefix,
      machine_id_file: join(dir, 'machine-id'),
      units_directory: join(dir, 'units'),
      listen_unix: join(dir, 'fleet.sock'),
      public_ip: '127.0.0.1',
    }).map(([k, v]) => `--${k}=${v}`);
    const args = variant.fleetd ? [...variant.args, ...fleetdArgs] : variant.args;
    const p = spawnTracked(`fleetd ${i}`, variant.node, args, {
      env: { PATH: process.env.PATH, ...variant.env },
    });
    runs.push({ variant, process: p, prefix, machineId });
  }
  await Promise.all(
    runs.map(async (r) => {
      if (!r.variant.fleetd) return;
      await waitFor(() => r.process.log().includes('machine registered'), {
        timeoutMs: 60_000,
        what: `${r.variant.name} to register: ${r.process.log()}`,
      });
      r.startCpu = await cpuSeconds(r.process.pid);
    }),
  );
  await sleep(SETTLE_MS);
  for (const r of runs) r.idle = await medians(r.process.pid);

  console.log(`idle measured; writing ${UNITS} units for each fleetd …`);
  await Promise.all(
    runs.map(async (r) => {
      if (!r.variant.fleetd) return;
      const registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: r.prefix });
      try {
        const before = await cpuSeconds(r.process.pid);
        for (let u = 0; u < UNITS; u += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, UNITS - u) }, (_, k) =>
              registry.createUnit({
                name: `mem-${String(u + k).padStart(5, '0')}.service`,
                options: [
                  { section: 'Unit', name: 'Description', value: `memory bench unit ${u + k}` },
                  {
                    section: 'Service',
                    name: 'ExecStart',
                    value: `/usr/bin/sleep ${100_000 + u + k}`,
                  },
                ],
                desiredState: 'launched',
              }),
            ),
          );
        }
        await waitFor(
          async () =>
            (await registry.listUnitStates()).items.filter(
              (s) => s.machineId === r.machineId && s.activeState === 'active',
            ).length === UNITS,
          { timeoutMs: 180_000, intervalMs: 500, what: `${r.variant.name}: ${UNITS} units active` },
        );
        r.unitsCpu = (await cpuSeconds(r.process.pid)) - before;
      } finally {
        await registry.close();
      }
    }),
  );
  await sleep(SETTLE_MS);
  for (const r of runs) r.loaded = await medians(r.process.pid);
  report(runs);
}

function report(runs: readonly Run[]): void {
  const mib = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
  const secs = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  console.log(
    '\n| what | idle RSS | idle Pss | idle private | RSS, units | Pss, units | private, units | CPU s start | CPU s units | RSS vs baseline idle / units | RSS vs previous idle / units |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  /** `r`'s RSS against the run named `prefix…` under the same Node: idle / with units. */
  const vs = (r: Run, prefix: string) => {
    const node = r.variant.name.includes('Node 24') ? 'Node 24' : 'Node 20';
    const b = runs.find((x) => x.variant.name.startsWith(prefix) && x.variant.name.includes(node));
    if (!r.variant.fleetd || b === undefined || b === r) return '-';
    const idle = (r.idle?.rss ?? 0) / (b.idle?.rss ?? 1);
    return `${idle.toFixed(2)} / ${((r.loaded?.rss ?? 0) / (b.loaded?.rss ?? 1)).toFixed(2)}`;
  };
  for (const r of runs) {
    console.log(
      `| ${r.variant.name} | ${mib(r.idle?.rss)} | ${mib(r.idle?.pss)} | ${mib(r.idle?.priv)} | ${mib(r.loaded?.rss)} | ${mib(r.loaded?.pss)} | ${mib(r.loaded?.priv)} | ${secs(r.startCpu)} | ${secs(r.unitsCpu)} | ${vs(r, 'baseline')} | ${vs(r, 'previous')} |`,
    );
  }
  console.log("MiB, medians; RSS counts the node binary's shared pages, private does not.");
}

try {
  await main();
} finally {
  for (const fn of undo.reverse()) await fn().catch((err: unknown) => console.error(String(err)));
}
