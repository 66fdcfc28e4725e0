// fleetctl's startup, this checkout against a baseline revision, in one run on one machine: exec
// of bin/fleetctl to exit, for `version`, `list-machines` and `list-units` with 100 units running
// (against an API over an InMemoryRegistry that this script serves on a temp unix socket). The baseline is built from git
// (default 476e1a1, before the bundle) in a temp `git worktree` sharing this checkout's
// node_modules, and removed at the end. Cases run round-robin, so that load from elsewhere weighs
// on all alike. Prints medians and the ratio. Not a test: figures only.
//   npm run bench:fleetctl -- [--rev <commit>] [--runs N]
// node reads NODE_EXTRA_CA_CERTS at startup, before any script; when it is set, every case also
// runs without it (node's share of the time is then smaller).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApi, FleetServer } from '@fleet/api';
import { InMemoryRegistry } from '@fleet/registry';
import { oneLine } from '@fleet/runtime';
import { baselineWorktree } from '@fleet/testkit';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const { values } = parseArgs({
  options: {
    rev: { type: 'string', default: '476e1a1' },
    runs: { type: 'string', default: '15' },
  },
});
const RUNS = Number(values.runs);

function sh(cmd: string, args: readonly string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs a process to its end (asynchronously: the API is served from this process). */
function timeRun(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${String(code)}: ${err}`));
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

interface Case {
  readonly label: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

async function main(): Promise<void> {
  console.log(`building this checkout and the baseline ${values.rev} ...`);
  sh('npx', ['tsc', '-b', 'packages/fleetctl'], ROOT);
  sh(process.execPath, ['packages/fleetctl/scripts/bundle.mjs'], ROOT);
  const baseline = await baselineWorktree(ROOT, values.rev);
  const base = baseline.dir;
  const dir = await mkdtemp(join(tmpdir(), 'fleetctl-bench-api-'));
  const registry = new InMemoryRegistry();
  const socket = join(dir, 'fleet.sock');
  let server: FleetServer | undefined;
  try {
    sh(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/fleetctl'], base);
    // A baseline with a bundle runs it, as `npm run build` would have made it.
    const baseBundle = join(base, 'packages/fleetctl/scripts/bundle.mjs');
    if (existsSync(baseBundle)) sh(process.execPath, [baseBundle], base);
    server = await FleetServer.listen(createApi({ registry, version: 'bench' }), {
      unixSocket: socket,
      activation: false,
    });
    for (let i = 0; i < 5; i++) {
      const session = await registry.registerMachine(
        {
          id: `${i}`.repeat(32),
          publicIP: `127.0.0.${i + 1}`,
          metadata: { region: 'bench' },
          health: {},
          version: 'bench',
          capabilities: [],
        },
        600,
      );
      // 100 units in all, 20 running on each machine.
      for (let j = 0; j < 20; j++) {
        const unit = `u${i * 20 + j}.service`;
        const u = await registry.createUnit({ name: unit, options: [], desiredState: 'launched' });
        await session.publishUnitState({
          unit,
          hash: u.hash,
          loadState: 'loaded',
          activeState: 'active',
          subState: 'running',
          state: 'launched',
        });
      }
    }
    const envs: [string, NodeJS.ProcessEnv][] = [['', process.env]];
    if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
      const { NODE_EXTRA_CA_CERTS: _ca, ...rest } = process.env;
      envs.push([' (no NODE_EXTRA_CA_CERTS)', rest]);
    }
    const cases: Case[] = [];
    for (const [note, env] of envs) {
      cases.push({ label: `node -e ''${note}`, cmd: process.execPath, args: ['-e', ''], env });
      for (const [what, args] of [
        ['version', ['version']],
        ['list-machines', ['--endpoint', `unix://${socket}`, 'list-machines']],
        ['list-units (100)', ['--endpoint', `unix://${socket}`, 'list-units']],
      ] as const) {
        for (const [rev, tree] of [
          ['baseline', base],
          ['current', ROOT],
        ] as const) {
          cases.push({
            label: `${rev} fleetctl ${what}${note}`,
            cmd: join(tree, 'bin', 'fleetctl'),
            args,
            env,
          });
        }
      }
    }
    for (const c of cases) await timeRun(c.cmd, c.args, c.env); // warm the file cache
    const times = cases.map((): number[] => []);
    for (let i = 0; i < RUNS; i++) {
      for (const [n, c] of cases.entries()) times[n]?.push(await timeRun(c.cmd, c.args, c.env));
    }
    const med = new Map(cases.map((c, n) => [c.label, median(times[n] ?? [])]));
    console.log(`exec→exit of bin/fleetctl, median of ${RUNS} runs (node ${process.version}):`);
    for (const c of cases) {
      const m = med.get(c.label) ?? NaN;
      let extra = '';
      if (c.label.startsWith('current')) {
        const b = med.get(c.label.replace('current', 'baseline')) ?? NaN;
        extra = `  current/baseline ${(m / b).toFixed(2)} (${((1 - m / b) * 100).toFixed(0)} % faster)`;
      }
      console.log(`  ${c.label.padEnd(58)} ${m.toFixed(1).padStart(6)} ms${extra}`);
    }
  } finally {
    await server?.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
    await baseline.remove();
  }
}

main().catch((err: unknown) => {
  console.error(oneLine(err));
  process.exitCode = 1;
});
