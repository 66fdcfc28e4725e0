// Whether a unit being waited on has got where it was sent: a pure decision over one poll's
// observation, with the reason it is still waiting (or failed), for progress and error lines.
import type { WireUnit, WireUnitState } from '@fleet/client';
import { fleetRequirements, unitHash, type DesiredState, type UnitOption } from '@fleet/unit';

/** What a wait waits for. */
export interface Goal {
  /** The fleet state: `currentState` of a non-global unit, `desiredState` of a global one. */
  readonly state: DesiredState;
  /** Also require systemd to report the unit started on its machine (`start`). */
  readonly systemdActive?: boolean;
  /**
   * Also require systemd to report the unit no longer running on its machine (`stop`): fleet's
   * `loaded` is reached as soon as the agent has asked systemd to stop it, which can take a
   * while (ExecStop, a slow SIGTERM handler, TimeoutStopSec).
   */
  readonly systemdStopped?: boolean;
}

/** One poll's view of a unit. */
export interface Observation {
  readonly unit: WireUnit | undefined;
  /** The unit's state published by its machine (only looked up when needed). */
  readonly systemd?: WireUnitState | undefined;
  /** How to name the unit's machine in output (`abcd1234.../127.0.0.1`). */
  readonly machineLegend?: string | undefined;
}

/** The decision. */
export type Verdict =
  | { readonly kind: 'done'; readonly line: string }
  | { readonly kind: 'failed'; readonly message: string }
  /** `unschedulable`: the scheduler's reason, when the unit has no machine because of it. */
  | { readonly kind: 'waiting'; readonly status: string; readonly unschedulable?: string };

/**
 * systemd load states of a unit systemd will not start: its file has a bad setting (no
 * `ExecStart=`), cannot be parsed, is not there, or is masked. Waiting on them never ends.
 */
export const UNSTARTABLE_LOAD_STATES: ReadonlySet<string> = new Set([
  'bad-setting',
  'error',
  'not-found',
  'masked',
]);

/** Where an operator looks next, after a unit failed on its machine. */
export function seeStatus(name: string): string {
  return `see 'fleetctl status ${name}' and 'fleetctl journal ${name}'`;
}

/** Whether the unit is a global unit (runs on many machines, has no current state). */
export function isGlobal(unit: {
  readonly name: string;
  readonly options: readonly UnitOption[];
}): boolean {
  return fleetRequirements(unit.name, unit.options).global;
}

function lastValue(options: readonly UnitOption[], section: string, name: string): string {
  let v = '';
  for (const o of options) if (o.section === section && o.name === name) v = o.value;
  return v;
}

/** A `Type=oneshot` service without `RemainAfterExit=yes`: `inactive` once it has run. */
export function exitsWhenDone(unit: WireUnit): boolean {
  const remain = lastValue(unit.options, 'Service', 'RemainAfterExit').toLowerCase();
  return (
    unit.name.endsWith('.service') &&
    lastValue(unit.options, 'Service', 'Type') === 'oneshot' &&
    !['yes', 'true', 'on', '1'].includes(remain)
  );
}

/**
 * The published state of the unit's current contents on its machine, if there is one (a state
 * for other contents is the old file's, not this one's).
 */
function currentContents(unit: WireUnit, s: WireUnitState | undefined): WireUnitState | undefined {
  return s !== undefined && s.hash === unitHash(unit.options) ? s : undefined;
}

/** `systemd <active> (<sub>)` of a published state. */
function systemdText(s: WireUnitState): string {
  return `systemd ${s.systemdActiveState ?? ''} (${s.systemdSubState ?? ''})`;
}

/**
 * Judges one observation against the goal. With `systemdActive` (start):
 * - a load state systemd will not start from (bad-setting, error, not-found, masked) fails at
 *   once, whatever fleet's state, with a pointer to status and journal;
 * - once fleet reports `launched` (the agent's start job has completed), systemd `active` is
 *   started, `failed` fails, and `inactive` means the service ran and exited cleanly (a
 *   `Type=simple` service whose command ended at once, or a finished oneshot): started too, as
 *   fleet, which waited for its own `launched` only.
 */
export function judge(name: string, goal: Goal, obs: Observation): Verdict {
  const unit = obs.unit;
  if (unit === undefined) return { kind: 'failed', message: `unit ${name} does not exist` };
  if (isGlobal(unit)) {
    return unit.desiredState === goal.state
      ? { kind: 'done', line: `Unit ${name} ${unit.desiredState}` }
      : { kind: 'waiting', status: `desired state ${unit.desiredState}` };
  }
  const current = unit.currentState ?? 'inactive';
  const where = obs.machineLegend === undefined ? '' : ` on ${obs.machineLegend}`;
  const s = unit.machineID === undefined ? undefined : currentContents(unit, obs.systemd);
  if (goal.systemdActive === true && s !== undefined) {
    const load = s.systemdLoadState ?? '';
    if (UNSTARTABLE_LOAD_STATES.has(load)) {
      return {
        kind: 'failed',
        message: `unit ${name} cannot be started${where}: systemd cannot load it (load state ${load}); ${seeStatus(name)}`,
      };
    }
  }
  if (current !== goal.state) {
    if (unit.machineID === undefined && goal.state !== 'inactive') {
      const reason = unit.reason;
      return reason === undefined
        ? { kind: 'waiting', status: `${current}, not scheduled yet` }
        : {
            kind: 'waiting',
            status: `${current}, not scheduled: ${reason}`,
            unschedulable: reason,
          };
    }
    const also = s === undefined ? '' : `, ${systemdText(s)}`;
    return { kind: 'waiting', status: `${current}${where}${also}` };
  }
  const done: Verdict = { kind: 'done', line: `Unit ${name} ${current}${where}` };
  if (goal.systemdActive !== true && goal.systemdStopped !== true) return done;
  if (s === undefined)
    return { kind: 'waiting', status: `${current}${where}, no systemd state yet` };
  const active = s.systemdActiveState ?? '';
  const sub = s.systemdSubState ?? '';
  if (goal.systemdStopped === true) {
    return active === 'inactive' || active === 'failed'
      ? done
      : { kind: 'waiting', status: `${current}${where}, ${systemdText(s)}` };
  }
  if (active === 'active' || active === 'reloading') return done;
  if (active === 'failed') {
    return {
      kind: 'failed',
      message: `unit ${name} failed to start${where}: systemd reports ${active} (${sub}); ${seeStatus(name)}`,
    };
  }
  if (active === 'inactive') {
    return exitsWhenDone(unit) ? done : { kind: 'done', line: `${done.line} (ran and exited)` };
  }
  return { kind: 'waiting', status: `${current}${where}, ${systemdText(s)}` };
}
