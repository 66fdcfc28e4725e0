// Batches: `fleetctl start --no-block` of N unit files in one invocation → all N active in
// systemd, then `fleetctl destroy` of them → all stopped and unloaded; beside plain systemd doing
// the same on the same machines (files in /run/systemd/system, one daemon-reload, one
// `systemctl start` of all, split across the machines), the order alternating run by run.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster } from '../src/index.js';
import { FLEETCTL_BIN, fleetctl, serviceFile } from './cluster-probes.js';
import { walls } from './bench-walls.js';
import { allActive, allGone, baselineStart, baselineStop, split } from './systemd-probes.js';

/** One figure of a batch: invocation → done, and the command's wall time (both ms). */
export interface Timed {
  done: number;
  wall: number;
}

export interface BatchRun {
  start: Timed;
  destroy: Timed;
  /** Whether this run's destroy was `--no-block` (fleet's destroy: returns once the units are gone from the registry). */
  noBlock: boolean;
  baseStart: Timed;
  baseStop: Timed;
  placed: Map<string, number>;
  /**
   * Where fleet's start went, from the machines' /metrics (ms): each agent phase summed over the
   * machines, and the API's time answering PUTs on node1 (summed over requests in flight).
   */
  spent: Map<string, number>;
}

/** The series of /metrics that say where a batch's time went, by a short name. */
const SPENT = [
  [/^fleet_agent_phase_seconds_total\{phase="(\w+)"\}$/, (m: RegExpExecArray) => `agent ${m[1]}`],
  [/^fleet_api_request_duration_seconds_sum\{method="PUT",route="[^"]*"\}$/, () => 'api PUT'],
] as const;

async function spentSoFar(c: Cluster): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of c.nodes.filter((n) => n.running)) {
    for (const [series, v] of await c.metrics(m.name)) {
      for (const [re, name] of SPENT) {
        const hit = re.exec(series);
        if (hit !== null) out.set(name(hit), (out.get(name(hit)) ?? 0) + v * 1000);
      }
    }
  }
  return out;
}

/** list-units wall times with a batch running (ms). */
export interface ListWalls {
  units: number;
  inside: number[];
  systemctl: number[];
  /** `node -e ''` inside the machine: Node.js's own start and exit, the floor of any fleetctl. */
  node: number[];
  host: number[];
}

const names = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}.service`);

async function fleetBatch(
  c: Cluster,
  dir: string,
  prefix: string,
  n: number,
  noBlock: boolean,
  whileRunning: () => Promise<void>,
): Promise<Pick<BatchRun, 'start' | 'destroy' | 'noBlock' | 'placed' | 'spent'>> {
  const units = names(prefix, n);
  const files = units.map((u) => join(dir, u));
  await Promise.all(files.map((f, i) => writeFile(f, serviceFile(units[i] ?? ''))));
  const api = ['--endpoint', c.tcpEndpoint('node1')];
  const before = await spentSoFar(c);
  const [t0, wall] = await fleetctl([...api, 'start', '--no-block', ...files]);
  const { last, placed } = await allActive(c, `${prefix}-*`, n);
  const spent = new Map(
    [...(await spentSoFar(c))].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const),
  );
  await whileRunning();
  const [d0, dwall] = await fleetctl([
    ...api,
    'destroy',
    ...(noBlock ? ['--no-block'] : []),
    ...units,
  ]);
  const gone = await allGone(c, `${prefix}-*`, units, d0);
  return {
    start: { done: last - t0, wall },
    destroy: { done: gone - d0, wall: dwall },
    noBlock,
    placed,
    spent,
  };
}

async function systemdBatch(
  c: Cluster,
  prefix: string,
  n: number,
): Promise<Pick<BatchRun, 'baseStart' | 'baseStop'>> {
  const units = names(prefix, n);
  const parts = split(c, units);
  const [t0, wall] = await baselineStart(parts);
  const { last } = await allActive(c, `${prefix}-*`, n);
  const [d0, dwall] = await baselineStop(parts);
  const gone = await allGone(c, `${prefix}-*`, units, d0);
  return { baseStart: { done: last - t0, wall }, baseStop: { done: gone - d0, wall: dwall } };
}

/**
 * One batch run of `n` units, fleet and plain systemd (which goes first alternates with `run`, and
 * so does fleet's destroy: waiting until unloaded everywhere, or `--no-block`).
 * With `lists` > 0, list-units is timed while fleet's batch runs.
 */
export async function batchRun(
  c: Cluster,
  dir: string,
  n: number,
  run: number,
  lists: number,
  onLists: (w: ListWalls) => void,
): Promise<BatchRun> {
  const tag = `b${n}r${run}`;
  const measureLists = async () => {
    if (lists > 0) onLists(await listWalls(c, `${tag}f-*`, n, lists));
  };
  const noBlock = run % 2 === 1;
  if (run % 2 === 0) {
    const f = await fleetBatch(c, dir, `${tag}f`, n, noBlock, measureLists);
    return { ...f, ...(await systemdBatch(c, `${tag}s`, n)) };
  }
  const s = await systemdBatch(c, `${tag}s`, n);
  return { ...(await fleetBatch(c, dir, `${tag}f`, n, noBlock, measureLists)), ...s };
}

/**
 * `fleetctl list-units` inside node1 (its unix socket, as a user logged in there) interleaved
 * with `systemctl list-units` of the same units and `node -e ''` there, then from the host (TCP
 * API).
 */
async function listWalls(c: Cluster, pattern: string, n: number, reps: number): Promise<ListWalls> {
  const inside = await walls(
    c.node('node1'),
    [
      ['/opt/fleet/bin/fleetctl', 'list-units'],
      ['systemctl', 'list-units', '--all', '--full', pattern],
      ['node', '-e', ''],
    ],
    reps,
    // fleetctl lists all n; systemctl only node1's share (and its own header and legend)
    [Math.min(n, 1), Math.min(n, 1), 0],
  );
  const host = await walls(
    undefined,
    [[FLEETCTL_BIN, '--endpoint', c.tcpEndpoint('node1'), 'list-units']],
    reps,
    n,
  );
  return {
    units: n,
    inside: inside[0] ?? [],
    systemctl: inside[1] ?? [],
    node: inside[2] ?? [],
    host: host[0] ?? [],
  };
}
