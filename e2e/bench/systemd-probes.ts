// What the cluster bench reads from systemd inside the machines, and plain systemd doing by hand
// what fleet's agents do (the baselines). Every time is CLOCK_MONOTONIC in milliseconds, which the
// host and the machines share.
import { sleep } from '@fleet/testkit';
import { sh, type Cluster, type NspawnMachine } from '../src/index.js';
import { activeEnter, DEADLINE_MS, mono, serviceFile } from './cluster-probes.js';

/** systemd's "Stopped <unit>." journal message (SD_MESSAGE_UNIT_STOPPED). */
const UNIT_STOPPED = '9d1aaa27d60140bd96365438aad20286';
/** How often the batch waits look at systemd (it does not count: the stamps are systemd's). */
const BATCH_POLL_MS = 250;

/**
 * No journald rate limit in the machine: a batch of 1,000 units logs a few thousand lines from
 * PID 1, and the "Stopped" lines are how a destroy is timed.
 */
export async function unlimitJournal(m: NspawnMachine): Promise<void> {
  await sh(
    m,
    [
      'mkdir -p /etc/systemd/journald.conf.d',
      "printf '[Journal]\\nRateLimitIntervalSec=0\\n' > /etc/systemd/journald.conf.d/bench.conf",
      'systemctl restart systemd-journald',
    ].join('\n'),
  );
}

/** The loaded units matching `pattern` and their ActiveState (never loads a unit). */
export async function loadedUnits(m: NspawnMachine, pattern: string): Promise<Map<string, string>> {
  const out = await sh(m, `systemctl list-units --all --plain --no-legend --full '${pattern}'`);
  const res = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [unit, , active] = line.trim().split(/\s+/);
    if (unit !== undefined && unit !== '' && active !== undefined) res.set(unit, active);
  }
  return res;
}

const running = (c: Cluster) => c.nodes.filter((n) => n.running);

/**
 * Waits until all `n` units matching `pattern` are active (on any machine), then returns the
 * latest ActiveEnterTimestampMonotonic among them and how many each machine runs.
 */
export async function allActive(
  c: Cluster,
  pattern: string,
  n: number,
): Promise<{ last: number; placed: Map<string, number> }> {
  const deadline = mono() + DEADLINE_MS * 5;
  for (;;) {
    const per = await Promise.all(
      running(c).map(async (m) => [m, await loadedUnits(m, pattern)] as const),
    );
    const active = per.map(
      ([m, us]) => [m, [...us].filter(([, a]) => a === 'active').map(([u]) => u)] as const,
    );
    if (active.reduce((k, [, us]) => k + us.length, 0) >= n) {
      let last = 0;
      const placed = new Map<string, number>();
      for (const [m, us] of active) {
        placed.set(m.name, us.length);
        if (us.length === 0) continue;
        for (const at of (await activeEnter(m, us)).values()) last = Math.max(last, at);
      }
      return { last, placed };
    }
    if (mono() > deadline) throw new Error(`${pattern}: not all ${n} units active in time`);
    await sleep(BATCH_POLL_MS);
  }
}

/** When each of `units` logged "Stopped" in `m`'s journal after `after` (monotonic ms). */
export async function stoppedAt(
  m: NspawnMachine,
  units: ReadonlySet<string>,
  after: number,
): Promise<Map<string, number>> {
  const out = await sh(
    m,
    `journalctl -q --no-pager -o json --output-fields=UNIT MESSAGE_ID=${UNIT_STOPPED} _PID=1`,
    DEADLINE_MS,
  );
  const res = new Map<string, number>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as { UNIT?: string; __MONOTONIC_TIMESTAMP?: string };
    const at = Number(e.__MONOTONIC_TIMESTAMP) / 1000;
    if (e.UNIT !== undefined && units.has(e.UNIT) && at > after) res.set(e.UNIT, at);
  }
  return res;
}

/**
 * Waits until no unit matching `pattern` is loaded on any machine, then returns the latest
 * "Stopped" journal stamp of `units` (each must have one, after `t0`).
 */
export async function allGone(
  c: Cluster,
  pattern: string,
  units: readonly string[],
  t0: number,
): Promise<number> {
  const deadline = mono() + DEADLINE_MS * 5;
  for (;;) {
    const left = await Promise.all(running(c).map((m) => loadedUnits(m, pattern)));
    if (left.every((l) => l.size === 0)) break;
    if (mono() > deadline) throw new Error(`${pattern}: units still loaded`);
    await sleep(BATCH_POLL_MS);
  }
  const goneAt = mono();
  const want = new Set(units);
  const seen = new Map<string, number>();
  // journald may write the last lines a moment after systemd unloaded the units: read again.
  const readUntil = mono() + 5_000;
  let missing: string[];
  for (;;) {
    for (const m of running(c)) for (const [u, at] of await stoppedAt(m, want, t0)) seen.set(u, at);
    missing = units.filter((u) => !seen.has(u));
    if (missing.length === 0 || mono() > readUntil) break;
    await sleep(BATCH_POLL_MS);
  }
  if (missing.length > 0) {
    // Counted at the poll that found them all gone: an upper bound, said so.
    console.log(
      `[cluster-bench] ${pattern}: no "Stopped" journal line for ${missing.length} units ` +
        `(e.g. ${missing[0]}); counted as stopped when the poll found them gone`,
    );
    return Math.max(goneAt, ...seen.values());
  }
  return Math.max(...seen.values());
}

/** Plain systemd: `units` split across the machines round-robin, as fleet's scheduler spreads them. */
export function split(c: Cluster, units: readonly string[]): Map<NspawnMachine, string[]> {
  const ms = running(c);
  const res = new Map<NspawnMachine, string[]>(ms.map((m) => [m, []]));
  units.forEach((u, i) => res.get(ms[i % ms.length] as NspawnMachine)?.push(u));
  return res;
}

/** Runs `script(units)` on every machine at once; returns the start and the last exit. */
async function everywhere(
  parts: Map<NspawnMachine, string[]>,
  script: (units: readonly string[]) => string,
): Promise<[number, number]> {
  const t0 = mono();
  const ends = await Promise.all(
    [...parts].map(async ([m, us]) => {
      if (us.length > 0) await sh(m, script(us), DEADLINE_MS);
      return mono();
    }),
  );
  return [t0, Math.max(...ends) - t0];
}

/** Writes each unit file to /run/systemd/system, one daemon-reload, one `systemctl start` of all. */
export function baselineStart(parts: Map<NspawnMachine, string[]>): Promise<[number, number]> {
  return everywhere(parts, (us) =>
    [
      'set -e',
      `for u in ${us.join(' ')}; do printf '${serviceFile('baseline').replace(/\n/g, '\\n')}' > /run/systemd/system/$u; done`,
      'systemctl daemon-reload',
      `systemctl start ${us.join(' ')}`,
    ].join('\n'),
  );
}

/** One `systemctl stop` of all, their files removed, one daemon-reload. */
export function baselineStop(parts: Map<NspawnMachine, string[]>): Promise<[number, number]> {
  return everywhere(parts, (us) =>
    [
      'set -e',
      `systemctl stop ${us.join(' ')}`,
      `cd /run/systemd/system && rm -f ${us.join(' ')}`,
      'systemctl daemon-reload',
    ].join('\n'),
  );
}
