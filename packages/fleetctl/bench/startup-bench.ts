// How long the compiled fleetctl takes from exec to exit: `--help`, `version` and `list-units`
// (against an API over InMemoryRegistry that this script serves on a temp unix socket), each run
// RUNS times, beside `node -e 0` as the baseline of the same machine in the same run. Prints
// medians. Not a test: figures only. Build first: npx tsc -b packages/fleetctl
//   npx tsx packages/fleetctl/bench/startup-bench.ts
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi, FleetServer } from '@fleet/api';
import { InMemoryRegistry } from '@fleet/registry';

const RUNS = 10;
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs a process to its end (asynchronously: the API is served from this process). */
function timeRun(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited ${String(code)}: ${err}`));
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -b packages/fleetctl`);
  const dir = await mkdtemp(join(tmpdir(), 'fleetctl-bench-'));
  const registry = new InMemoryRegistry();
  const socket = join(dir, 'fleet.sock');
  const server = await FleetServer.listen(createApi({ registry, version: 'bench' }), {
    unixSocket: socket,
    activation: false,
  });
  try {
    const session = await registry.registerMachine(
      {
        id: 'b'.repeat(32),
        publicIP: '127.0.0.1',
        metadata: {},
        health: {},
        version: 'bench',
        capabilities: [],
      },
      60,
    );
    for (let i = 0; i < 50; i++) {
      const name = `app-${i}.service`;
      const options = [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${i}` }];
      const u = await registry.createUnit({ name, options, desiredState: 'launched' });
      await session.publishUnitState({
        unit: name,
        hash: u.hash,
        loadState: 'loaded',
        activeState: 'active',
        subState: 'running',
      });
    }
    const cases: [string, string[]][] = [
      ['node -e 0 (baseline)', ['-e', '0']],
      ['fleetctl --help', [MAIN, '--help']],
      ['fleetctl version', [MAIN, 'version']],
      ['fleetctl list-units (50 units)', [MAIN, '--endpoint', `unix://${socket}`, 'list-units']],
    ];
    for (const [, args] of cases) await timeRun(args); // warm the file cache
    // Round-robin, so that load from elsewhere on the machine weighs on every case alike.
    const times = cases.map((): number[] => []);
    for (let i = 0; i < RUNS; i++) {
      for (const [c, [, args]] of cases.entries()) times[c]?.push(await timeRun(args));
    }
    console.log(`startup, median of ${RUNS} runs (node ${process.version}):`);
    const baseline = median(times[0] ?? []);
    for (const [c, [label]] of cases.entries()) {
      const m = median(times[c] ?? []);
      const extra = c === 0 ? '' : `  (+${(m - baseline).toFixed(0)} ms over node)`;
      console.log(`  ${label.padEnd(32)} ${m.toFixed(0).padStart(5)} ms${extra}`);
    }
    await session.close();
  } finally {
    await server.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
