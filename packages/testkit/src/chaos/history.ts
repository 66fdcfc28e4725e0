// The history of one chaos run, on one monotonic timeline (milliseconds): the faults applied
// and healed, which unit ran where and when, the API writes the workload made and what they
// returned, the registry's assignment writes and leader-key changes, and the final state. The
// invariants (invariants.ts) are pure functions of it. Both tiers record through
// HistoryRecorder, so a failure in either reads the same way.
import type { FaultKind } from './vocabulary.js';

/** A fault being applied or healed. */
export interface FaultEvent {
  readonly at: number;
  readonly phase: 'apply' | 'heal';
  /** Pairs an apply with its heal. */
  readonly id: number;
  readonly kind: FaultKind;
  /** What the fault hits: a machine ID, an etcd member's name, or 'cluster'. */
  readonly target: string;
  /** The machine whose fleetd the fault hits, if any (the leader's machine for leader-*). */
  readonly machine?: string;
  readonly detail?: string;
  /**
   * How long the fault's effects may outlast its heal: a slow stop queued just before it, a lag,
   * or events a watch lost, which only the next full re-list repairs.
   */
  readonly extendsMs?: number;
}

/** A unit running on a machine from `from` to `to` (open: still running when the history ended). */
export interface RunInterval {
  readonly unit: string;
  readonly machine: string;
  readonly from: number;
  readonly to?: number;
  readonly pid?: number;
}

/** Desired states, and 'absent' for a destroyed (or never created) unit. */
export type RegisterValue = 'launched' | 'loaded' | 'inactive' | 'absent';

/** What an API write returned: ok (applied), error (definitely not applied), unknown (may have). */
export type WriteOutcome = 'ok' | 'error' | 'unknown';

/** The relations of a unit that the invariants need (from its [X-Fleet] section). */
export interface UnitSpec {
  readonly name: string;
  readonly global: boolean;
  readonly conflicts: readonly string[];
  readonly replaces: readonly string[];
  readonly machineOf?: string;
}

/** One workload write through the API. `end` is absent while it has not returned. */
export interface ApiWrite {
  readonly id: number;
  readonly unit: string;
  readonly op: 'create' | 'destroy' | 'set-state';
  /** The unit's desired state once the write applied ('absent' for destroy). */
  readonly value: RegisterValue;
  readonly start: number;
  readonly end?: number;
  readonly outcome?: WriteOutcome;
}

/** An assignment write the registry committed, and the leader token it was fenced on. */
export interface AssignmentWrite {
  readonly at: number;
  readonly revision: number;
  readonly unit: string;
  readonly machine: string;
  readonly op: 'schedule' | 'unschedule';
  readonly token: string;
}

/** The leader key changed: `holder` undefined means nobody holds it. */
export interface LeaderChange {
  readonly at: number;
  readonly revision?: number;
  readonly holder?: string;
  readonly token?: string;
}

/** The leader `holder` finished a reconcile pass in the term `token`. */
export interface LeaderPass {
  readonly at: number;
  readonly holder: string;
  readonly token: string;
}

/** Units that wanted a machine and had none at `at`; placeable: some machine could take it. */
export interface PendingObservation {
  readonly at: number;
  readonly pending: readonly { readonly unit: string; readonly placeable: boolean }[];
}

/** A measured resource (heap, map size, etcd DB size...). */
export interface ResourceSample {
  readonly at: number;
  readonly name: string;
  readonly value: number;
}

export interface FinalUnit {
  readonly name: string;
  readonly desiredState: Exclude<RegisterValue, 'absent'>;
  readonly global: boolean;
  /** Machines the registry assigns it to (non-global units). */
  readonly assignedTo: readonly string[];
  /** Some live machine could take it (unassigned and not placeable is no failure). */
  readonly placeable: boolean;
  /** For a global unit: the machines it must run on (default: every live machine). */
  readonly eligible?: readonly string[];
}

/** The state read after the run settled. */
export interface FinalState {
  readonly at: number;
  readonly machines: readonly { readonly id: string; readonly live: boolean }[];
  readonly units: readonly FinalUnit[];
}

export interface History {
  readonly start: number;
  readonly faults: readonly FaultEvent[];
  readonly runs: readonly RunInterval[];
  readonly writes: readonly ApiWrite[];
  readonly units: Readonly<Record<string, UnitSpec>>;
  readonly assignments: readonly AssignmentWrite[];
  readonly leaders: readonly LeaderChange[];
  readonly passes: readonly LeaderPass[];
  readonly pending: readonly PendingObservation[];
  readonly resources: readonly ResourceSample[];
  readonly final?: FinalState;
}

/** A fault from its apply to its heal (`to` absent: never healed). */
export interface FaultWindow {
  readonly id: number;
  readonly kind: FaultKind;
  readonly target: string;
  readonly machine?: string;
  readonly from: number;
  readonly to?: number;
  readonly detail?: string;
  readonly extendsMs?: number;
}

/** The faults of a history as windows, in the order they were applied. */
export function faultWindows(h: Pick<History, 'faults'>): FaultWindow[] {
  const open = new Map<number, FaultWindow>();
  const out: FaultWindow[] = [];
  for (const e of h.faults) {
    if (e.phase === 'apply') {
      const w: FaultWindow = {
        id: e.id,
        kind: e.kind,
        target: e.target,
        from: e.at,
        ...(e.machine === undefined ? {} : { machine: e.machine }),
        ...(e.detail === undefined ? {} : { detail: e.detail }),
        ...(e.extendsMs === undefined ? {} : { extendsMs: e.extendsMs }),
      };
      open.set(e.id, w);
      out.push(w);
    } else {
      const w = open.get(e.id);
      if (w === undefined) continue;
      open.delete(e.id);
      out[out.indexOf(w)] = { ...w, to: e.at };
    }
  }
  return out;
}

/** The time of a history's last event (the final state's time, if it has one). */
export function historyEnd(h: History): number {
  if (h.final !== undefined) return h.final.at;
  let end = h.start;
  const see = (t: number | undefined) => {
    if (t !== undefined && t > end) end = t;
  };
  for (const f of h.faults) see(f.at);
  for (const r of h.runs) {
    see(r.from);
    see(r.to);
  }
  for (const w of h.writes) see(w.end ?? w.start);
  for (const a of h.assignments) see(a.at);
  for (const l of h.leaders) see(l.at);
  for (const p of h.passes) see(p.at);
  for (const p of h.pending) see(p.at);
  for (const s of h.resources) see(s.at);
  return end;
}

/** "t+12.3s": a time of the history, relative to its start, for reports. */
export function at(h: Pick<History, 'start'>, t: number): string {
  return `t+${((t - h.start) / 1000).toFixed(1)}s`;
}
