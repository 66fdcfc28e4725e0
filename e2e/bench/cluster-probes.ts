// What cluster-bench.ts measures with: the monotonic clock shared by the host and the nspawn
// machines, the compiled fleetctl, systemd's ActiveEnterTimestampMonotonic, and the registry.
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { waitFor } from '@fleet/testkit';
import { run, sh, type Cluster, type NspawnMachine } from '../src/index.js';
import { projectDir } from '../src/project.js';

/** What users run: a shell script that starts the bundle under the `node` on PATH. */
export const FLEETCTL_BIN = join(projectDir(), 'bin/fleetctl');
export const FLEETCTL_BUNDLE = join(projectDir(), 'packages/fleetctl/dist/fleetctl.cjs');
/** PATH with this node first, inside the machines too (the host's node is bound there). */
export const NODE_PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
/** Whether bin/fleetctl runs the bundle (it falls back to the unbundled build when stale). */
export function bundleFresh(): boolean {
  if (!existsSync(FLEETCTL_BUNDLE)) return false;
  const at = statSync(FLEETCTL_BUNDLE).mtimeMs;
  return ['fleetctl', 'client', 'unit', 'runtime'].every((p) => {
    const info = join(projectDir(), 'packages', p, 'tsconfig.tsbuildinfo');
    return !existsSync(info) || statSync(info).mtimeMs < at;
  });
}
const FLEETCTL_ENV = { PATH: NODE_PATH, HOME: process.env.HOME ?? '/root' };
export const POLL_MS = 20;
export const DEADLINE_MS = 120_000;

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};
/** Nearest-rank percentile (p99 of 50 samples is the largest). */
export const percentile = (xs: readonly number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
/** CLOCK_MONOTONIC in milliseconds (libuv's hrtime), the clock systemd's *Monotonic stamps use. */
export const mono = (): number => Number(process.hrtime.bigint()) / 1e6;
export const serviceFile = (what: string) =>
  `[Unit]\nDescription=cluster-bench ${what}\n\n[Service]\nExecStart=/bin/sleep infinity\n`;

/**
 * Runs fleetctl as users do (`bin/fleetctl`: the bundle `npm run build` makes, under this node)
 * from the host; returns the monotonic time it was spawned and its wall time. Throws unless it
 * exits 0.
 */
export async function fleetctl(args: readonly string[]): Promise<[number, number]> {
  const t0 = mono();
  const r = await run(FLEETCTL_BIN, args, { env: FLEETCTL_ENV, timeoutMs: DEADLINE_MS * 5 });
  const wall = mono() - t0;
  if (r.code !== 0) {
    const what = args.filter((a) => !a.includes('/')).slice(0, 6);
    throw new Error(`fleetctl ${what.join(' ')}: exit ${r.code}: ${r.stderr}`);
  }
  return [t0, wall];
}

/** `fleetctl start --no-block` of a new unit file; returns the monotonic time it was spawned. */
export async function fleetctlStart(
  c: Cluster,
  via: string,
  dir: string,
  unit: string,
): Promise<[number, number]> {
  const file = join(dir, unit);
  await writeFile(file, serviceFile(unit));
  return fleetctl(['--endpoint', c.tcpEndpoint(via), 'start', '--no-block', file]);
}

/** The machine whose published state says `unit` is active (polled), other than `not`. */
export async function activeOn(c: Cluster, unit: string, not?: string): Promise<NspawnMachine> {
  const id = await waitFor(
    async () => {
      const { items } = await c.registry.listUnitStates({ unitName: unit });
      return items.find((s) => s.activeState === 'active' && s.machineId !== not)?.machineId;
    },
    { timeoutMs: DEADLINE_MS, intervalMs: POLL_MS, what: `${unit} to be active` },
  );
  const m = c.nodes.find((n) => n.machineId === id);
  if (m === undefined) throw new Error(`${unit} active on unknown machine ${id}`);
  return m;
}

/** `ActiveEnterTimestampMonotonic` of each unit on one machine, in milliseconds. */
export async function activeEnter(
  m: NspawnMachine,
  units: readonly string[],
): Promise<Map<string, number>> {
  const out = await sh(
    m,
    `systemctl show -p Id -p ActiveEnterTimestampMonotonic ${units.join(' ')}`,
  );
  const res = new Map<string, number>();
  for (const block of out.trim().split('\n\n')) {
    const id = /^Id=(.*)$/m.exec(block)?.[1];
    const us = Number(/^ActiveEnterTimestampMonotonic=(\d+)$/m.exec(block)?.[1]);
    if (id !== undefined && us > 0) res.set(id, us / 1000);
  }
  for (const u of units) if (!res.has(u)) throw new Error(`${m.name}: ${u} never became active`);
  return res;
}

/** Milliseconds from `t0` (host monotonic) to `unit` entering active on `m`. */
export async function sinceT0(m: NspawnMachine, unit: string, t0: number): Promise<number> {
  const at = (await activeEnter(m, [unit])).get(unit) ?? NaN;
  const d = at - t0;
  if (!(d > 0 && d < DEADLINE_MS)) throw new Error(`${unit}: implausible ${d} ms (clocks differ?)`);
  return d;
}

/** Waits until every machine is registered, runs fleetd, and someone leads the engine. */
export async function settled(c: Cluster): Promise<void> {
  await c.waitMachines(c.nodes.filter((n) => n.running).length, DEADLINE_MS);
  for (const m of c.nodes.filter((n) => n.running)) {
    await waitFor(
      async () => (await m.exec('systemctl', ['is-active', 'fleet'])).stdout.trim() === 'active',
      {
        timeoutMs: DEADLINE_MS,
        intervalMs: 200,
        what: `fleet on ${m.name}`,
      },
    );
  }
  await waitFor(() => c.registry.getLeader(), {
    timeoutMs: DEADLINE_MS,
    intervalMs: 200,
    what: 'an engine leader',
  });
}

export async function leaderNode(c: Cluster): Promise<NspawnMachine> {
  const l = await waitFor(() => c.registry.getLeader(), {
    timeoutMs: DEADLINE_MS,
    what: 'an engine leader',
  });
  const m = c.nodes.find((n) => n.machineId === l.candidateId);
  if (m === undefined) throw new Error(`the engine leader ${l.candidateId} is no machine of ours`);
  return m;
}
