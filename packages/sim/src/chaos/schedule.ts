// A seeded schedule of one chaos run: the machines, the faults (when, on what, how long) and the
// workload's writes. Drawn up front from the seed, so a run is a pure function of its seed.
import { FAULT_KINDS, FAULTS, type FaultKind } from '@fleet/testkit';
import { Prng } from './prng.js';
import { drawUnit, UNIT_POOL, type WorkloadUnit } from './workload.js';
import type { MachineConfig } from './machine.js';

/** What a fault hits: a machine (by index), the current leader's machine, the client, or all. */
export type FaultTarget = number | 'leader' | 'client' | 'cluster';

export interface PlannedFault {
  readonly at: number;
  readonly kind: FaultKind;
  readonly target: FaultTarget;
  readonly durationMs: number;
  /** Kind-specific: lag or stop delay (ms), clock step (ms), chunk size, failures to inject. */
  readonly amount: number;
  /** Which keys a failed list or ambiguous write hits ('' = any). */
  readonly scope: string;
}

export type PlannedWrite =
  | {
      readonly at: number;
      readonly op: 'create';
      readonly unit: WorkloadUnit;
      readonly state: 'launched' | 'loaded';
    }
  | { readonly at: number; readonly op: 'destroy'; readonly name: string }
  | {
      readonly at: number;
      readonly op: 'set-state';
      readonly name: string;
      readonly state: 'launched' | 'loaded' | 'inactive';
    };

export interface Schedule {
  readonly seed: number;
  readonly machines: readonly MachineConfig[];
  readonly faults: readonly PlannedFault[];
  readonly writes: readonly PlannedWrite[];
  /** Every fault is healed by then. */
  readonly healedBy: number;
}

/** The kinds the simulation injects (etcd member faults need real etcd: the e2e tier). */
export const SIM_FAULTS: readonly FaultKind[] = FAULT_KINDS.filter(
  (k) => FAULTS[k].scope !== 'etcd-member',
);

const INSTANT: ReadonlySet<FaultKind> = new Set([
  'compaction',
  'watch-resync',
  'lease-loss',
  'clock-step',
]);

const LEADER_BIASED: ReadonlySet<FaultKind> = new Set([
  'link-cut',
  'link-delay',
  'watch-replay',
  'watch-lag',
  'watch-resync',
  'ambiguous-write',
  'failed-write',
  'failed-list',
  'lease-loss',
  'clock-step',
]);

/** When faults may begin (after the cluster is up) and by when they start. */
export const FAULTS_FROM_MS = 15_000;
const FAULTS_UNTIL_MS = 100_000;

export function drawSchedule(seed: number): Schedule {
  const prng = new Prng(seed);
  const n = prng.int(3, 5);
  const machines: MachineConfig[] = Array.from({ length: n }, (_, i) => ({
    id: `${String.fromCharCode(97 + i)}${String(i + 1).repeat(31)}`,
    latency: {
      start: prng.int(5, 500),
      stop: prng.chance(0.3) ? prng.int(1_000, 5_000) : prng.int(5, 500),
    },
  }));
  const faults: PlannedFault[] = [];
  const count = prng.int(1, 5);
  for (let i = 0; i < count; i++) {
    const kind = prng.pick(SIM_FAULTS);
    const at = prng.int(FAULTS_FROM_MS, FAULTS_UNTIL_MS);
    const machine = prng.int(0, n - 1);
    let target: FaultTarget = machine;
    if (kind === 'leader-kill' || kind === 'leader-pause') target = 'leader';
    if (kind === 'compaction') target = 'cluster';
    // Faults the engine must survive hit the leader's fleetd as often as not.
    if (LEADER_BIASED.has(kind) && prng.chance(0.5)) target = 'leader';
    if ((kind === 'ambiguous-write' || kind === 'failed-write') && prng.chance(0.3))
      target = 'client';
    const long = prng.chance(0.5); // longer than the TTL, or not
    const durationMs = INSTANT.has(kind)
      ? 0
      : long
        ? prng.int(11_000, 45_000)
        : prng.int(500, 9_000);
    let amount = 0;
    let scope = '';
    switch (kind) {
      case 'link-delay':
      case 'watch-lag':
        amount = prng.int(100, 5_000);
        break;
      case 'watch-replay':
      case 'link-cut':
      case 'link-blackhole':
        amount = prng.int(1, 5); // events per chunk on the heal
        break;
      case 'clock-step':
        amount = prng.int(2_000, 60_000);
        break;
      case 'systemd-slow-stop':
        amount = prng.int(2_000, 15_000);
        break;
      case 'failed-list':
        amount = prng.int(1, 4);
        scope = prng.pick(['', 'assign/', 'unit/', 'machine/']);
        break;
      case 'ambiguous-write':
        amount = prng.int(1, 2);
        scope = target === 'client' ? 'unit/' : 'assign/';
        break;
      case 'failed-write':
        amount = prng.int(1, 3);
        break;
      default:
        break;
    }
    faults.push({ at, kind, target, durationMs, amount, scope });
  }
  // The review's findings need two faults at once: often, add one of these pairs.
  if (prng.chance(0.4)) faults.push(...drawPair(prng, n));
  faults.sort((a, b) => a.at - b.at);
  // Each name keeps one kind for the whole run: the history's relations are per name.
  const units = new Map(UNIT_POOL.map((name) => [name, drawUnit(prng, name)]));
  const unit = (name: string): WorkloadUnit => {
    const u = units.get(name);
    if (u === undefined) throw new RangeError(`no unit ${name} in the pool`);
    return u;
  };
  const writes: PlannedWrite[] = [];
  let t = 1_000;
  for (let i = 0; i < 3; i++) {
    const name = prng.pick(UNIT_POOL);
    writes.push({ at: t, op: 'create', unit: unit(name), state: 'launched' });
    t += prng.int(200, 2_000);
  }
  while (t < FAULTS_UNTIL_MS + 20_000) {
    t += prng.int(500, 9_000);
    const name = prng.pick(UNIT_POOL);
    const r = prng.float();
    if (r < 0.5)
      writes.push({
        at: t,
        op: 'create',
        unit: unit(name),
        state: prng.chance(0.8) ? 'launched' : 'loaded',
      });
    else if (r < 0.7) writes.push({ at: t, op: 'destroy', name });
    else
      writes.push({
        at: t,
        op: 'set-state',
        name,
        state: prng.pick(['launched', 'loaded', 'inactive'] as const),
      });
  }
  const healedBy = Math.max(t, ...faults.map((f) => f.at + f.durationMs));
  return { seed, machines, faults, writes, healedBy };
}

/** Two faults that together reach paths one alone does not (reliability review §2). */
function drawPair(prng: Prng, n: number): PlannedFault[] {
  const at = prng.int(FAULTS_FROM_MS, FAULTS_UNTIL_MS);
  const other = prng.int(0, n - 1);
  const f = (
    kind: FaultKind,
    target: FaultTarget,
    offset: number,
    durationMs: number,
    amount = 0,
    scope = '',
  ): PlannedFault => ({ at: at + offset, kind, target, durationMs, amount, scope });
  switch (prng.int(0, 3)) {
    case 0: // an ambiguous commit while the leader's echoes lag (F4)
      return [
        f('watch-lag', 'leader', 0, prng.int(5_000, 30_000), prng.int(500, 5_000)),
        f('ambiguous-write', 'leader', 1_000, prng.int(5_000, 25_000), prng.int(1, 3), 'assign/'),
      ];
    case 1: // a resync whose re-list fails (F5a)
      return [
        f('failed-list', other, 0, 2_000, prng.int(1, 3), 'assign/'),
        f('watch-resync', other, 1, 0),
      ];
    case 2: // a machine leaves while the leader's machine listing fails (F10)
      return [
        f('failed-list', 'leader', 0, 15_000, prng.int(1, 3), 'machine/'),
        f(
          prng.pick(['lease-loss', 'fleetd-kill', 'power-cut'] as const),
          other,
          100,
          prng.int(11_000, 30_000),
        ),
      ];
    default: // the leader's watch replays a machine's leave and return late (F4, stale echo)
      return [
        f('watch-replay', 'leader', 0, prng.int(15_000, 40_000), prng.int(1, 5)),
        f('link-cut', other, 500, prng.int(11_000, 25_000), prng.int(1, 5)),
      ];
  }
}
