import { compareStrings, type DesiredState } from '@fleet/unit';

/** What the engine assigned to this machine: one entry per unit. */
export interface AgentDesired {
  readonly unit: string;
  readonly hash: string;
  readonly desiredState: DesiredState;
}

/** What is on this machine now: a unit file fleet wrote, and what systemd says of the unit. */
export interface AgentCurrent {
  readonly unit: string;
  /** Content hash of the unit file in the units directory (undefined: unknown, never as desired). */
  readonly hash?: string | undefined;
  /** systemd's ActiveState: active, reloading, inactive, failed, activating, deactivating. */
  readonly activeState: string;
}

/** The agent's input for one pass. */
export interface AgentSnapshot {
  readonly desired: readonly AgentDesired[];
  readonly current: readonly AgentCurrent[];
  /**
   * Units this agent started (or adopted running) and has not stopped since. A launched unit that
   * exits or fails is not started again by fleet (systemd's `Restart=` decides), and a unit that
   * systemd started by itself (an `[Install]` dependency) is not stopped by fleet.
   */
  readonly launched: ReadonlySet<string>;
  /**
   * Desired units whose load or start failed recently and are waiting out a retry backoff: no
   * task is planned for them this pass (the agent retries once their backoff is over).
   */
  readonly holdOff?: ReadonlySet<string>;
}

/** Agent task kinds, in the order they run: unload < load < reload < stop < start. */
export type AgentTaskKind = 'unload' | 'load' | 'reload' | 'stop' | 'start';

/** A task on one unit: write its file (`load`, with the hash of the contents), start, stop, unload. */
export type UnitTask =
  | { readonly kind: 'unload' | 'stop' | 'start'; readonly unit: string; readonly reason: string }
  | {
      readonly kind: 'load';
      readonly unit: string;
      /** The hash of the contents to write. */
      readonly hash: string;
      readonly reason: string;
    };

/** systemd's daemon-reload: of no unit in particular. */
export interface ReloadTask {
  readonly kind: 'reload';
  readonly reason: string;
}

/** One step of an agent pass. */
export type AgentTask = UnitTask | ReloadTask;

/** Reasons for agent tasks, as named sentences (fleet's wording where fleet had one). */
export const AgentReason = {
  notScheduled: 'unit loaded but not scheduled here',
  targetInactive: 'unit loaded but target state is inactive',
  hashDiffers: 'unit loaded but hash differs to expected',
  notLoaded: (state: DesiredState) => `unit scheduled here but not loaded (target state ${state})`,
  startLoaded: 'unit currently loaded but desired state is launched',
  stopLaunched: 'unit currently launched but desired state is loaded',
  reload: 'unit files changed',
} as const;

const ORDER: Record<AgentTaskKind, number> = { unload: 1, load: 2, reload: 3, stop: 4, start: 5 };
const RUNNING = new Set(['active', 'activating', 'reloading']);

/**
 * The units this agent counts as launched before the tasks of a pass run (the agent then adds the
 * units it starts and removes those it stops or unloads): the launched units that still have a
 * unit file (kept until a stop or unload of theirs goes through, so a failed one is planned
 * again), plus, for adoption after a restart, the units already running as desired `launched`.
 */
export function adoptLaunched(snapshot: AgentSnapshot): Set<string> {
  const out = new Set<string>();
  const current = new Map(snapshot.current.map((c) => [c.unit, c]));
  for (const u of snapshot.launched) if (current.has(u)) out.add(u);
  for (const d of snapshot.desired) {
    const c = current.get(d.unit);
    if (d.desiredState !== 'launched' || c === undefined || c.hash !== d.hash) continue;
    if (RUNNING.has(c.activeState)) out.add(d.unit);
  }
  return out;
}

/**
 * Plans one agent pass: from the desired units (assignments) and the current ones (unit files and
 * systemd states) to ordered tasks. Pure: no I/O, no clock, no mutation of the input. A unit that
 * is already running as desired is left alone, so an agent that restarts adopts what runs.
 */
export function planAgent(snapshot: AgentSnapshot): AgentTask[] {
  const tasks: AgentTask[] = [];
  const desired = new Map(snapshot.desired.map((d) => [d.unit, d]));
  const current = new Map(snapshot.current.map((c) => [c.unit, c]));
  for (const c of current.values()) {
    const d = desired.get(c.unit);
    if (d === undefined)
      tasks.push({ kind: 'unload', unit: c.unit, reason: AgentReason.notScheduled });
    else if (d.desiredState === 'inactive')
      tasks.push({ kind: 'unload', unit: c.unit, reason: AgentReason.targetInactive });
  }
  for (const d of desired.values()) {
    if (d.desiredState === 'inactive' || snapshot.holdOff?.has(d.unit) === true) continue;
    const c = current.get(d.unit);
    const launch = d.desiredState === 'launched';
    if (c === undefined || c.hash !== d.hash) {
      if (c !== undefined)
        tasks.push({ kind: 'unload', unit: d.unit, reason: AgentReason.hashDiffers });
      const reason =
        c === undefined ? AgentReason.notLoaded(d.desiredState) : AgentReason.hashDiffers;
      tasks.push({ kind: 'load', unit: d.unit, hash: d.hash, reason });
      if (launch) tasks.push({ kind: 'start', unit: d.unit, reason });
      continue;
    }
    const running = RUNNING.has(c.activeState);
    const ours = snapshot.launched.has(d.unit);
    if (launch && !running && !ours)
      tasks.push({ kind: 'start', unit: d.unit, reason: AgentReason.startLoaded });
    if (!launch && ours)
      tasks.push({ kind: 'stop', unit: d.unit, reason: AgentReason.stopLaunched });
  }
  if (tasks.some((t) => t.kind === 'load' || t.kind === 'unload')) {
    tasks.push({ kind: 'reload', reason: AgentReason.reload });
  }
  // One reload at most: tasks of one kind other than reload are ordered by unit.
  return tasks.sort(
    (a, b) =>
      ORDER[a.kind] - ORDER[b.kind] ||
      (a.kind === 'reload' || b.kind === 'reload' ? 0 : compareStrings(a.unit, b.unit)),
  );
}

/** The unit a task acts on; `undefined` for a reload. */
export function taskUnit(task: AgentTask): string | undefined {
  return task.kind === 'reload' ? undefined : task.unit;
}
