// Whether every machine's copy of a global unit has got where a restart sent it: a pure decision
// over the states the machines published (the API gives a global unit no machine and no
// current state, so its copies are judged one by one, from `GET /state`).
import type { WireUnitState } from '@fleet/client';
import { seeStatus, UNSTARTABLE_LOAD_STATES, type Verdict } from './judge.js';

/** A restart phase: every copy stopped, or every copy running again. */
export type CopiesGoal = 'stopped' | 'active';

/** One copy as the judge sees it: its published state and how to name its machine. */
export interface Copy {
  readonly state: WireUnitState;
  readonly legend: string;
}

const STOPPED: ReadonlySet<string> = new Set(['inactive', 'failed']);
const RUNNING: ReadonlySet<string> = new Set(['active', 'reloading']);

/**
 * Judges the copies of global unit `name` (sorted by machine ID) against a restart phase.
 * `done` carries one `Unit <u> <state> on <machine>` line per copy. No copy at all is a
 * failure: nothing runs the unit.
 * @param staleFailed - machines whose copy was already `failed` when the start phase began and
 *   has not been seen otherwise since: their `failed` is the old state (the agent has not
 *   started the copy yet), so it is waited on rather than reported
 */
export function judgeCopies(
  name: string,
  goal: CopiesGoal,
  copies: readonly Copy[],
  staleFailed: ReadonlySet<string> = new Set(),
): Verdict {
  if (copies.length === 0) {
    return { kind: 'failed', message: `global unit ${name} is not on any machine` };
  }
  const word = goal === 'stopped' ? 'loaded' : 'launched';
  const waiting: string[] = [];
  for (const { state: s, legend } of copies) {
    const active = s.systemdActiveState ?? '';
    const load = s.systemdLoadState ?? '';
    // The agent's own word, where the fleetd is new enough to publish it.
    const agent = s.state;
    if (goal === 'stopped') {
      if (agent === 'launched') waiting.push(`${legend}: not stopped by its agent yet`);
      else if (!STOPPED.has(active)) waiting.push(`${legend}: systemd ${active}`);
      continue;
    }
    if (UNSTARTABLE_LOAD_STATES.has(load)) {
      return {
        kind: 'failed',
        message: `global unit ${name} cannot be started on ${legend}: systemd cannot load it (load state ${load}); ${seeStatus(name)}`,
      };
    }
    if (active === 'failed' && staleFailed.has(s.machineID)) {
      waiting.push(`${legend}: systemd failed (before the restart)`);
      continue;
    }
    if (active === 'failed') {
      return {
        kind: 'failed',
        message: `global unit ${name} failed to start on ${legend}: systemd reports failed (${s.systemdSubState ?? ''}); ${seeStatus(name)}`,
      };
    }
    // Started by its agent and since exited cleanly: a service that ran, as for normal units.
    if (agent === 'launched' && active === 'inactive') continue;
    if (agent === 'loaded') waiting.push(`${legend}: not started by its agent yet`);
    else if (!RUNNING.has(active)) waiting.push(`${legend}: systemd ${active}`);
  }
  if (waiting.length > 0) return { kind: 'waiting', status: waiting.join(', ') };
  return {
    kind: 'done',
    line: copies.map((c) => `Unit ${name} ${word} on ${c.legend}`).join('\n'),
  };
}
