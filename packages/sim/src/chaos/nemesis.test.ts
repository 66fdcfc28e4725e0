// The faults bite: a hand-written schedule per fault shows its effect on the real agents and
// engine, so a quiet history in the chaos run means the invariants held, not that nothing happened.
import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { runSchedule, type RunResult } from './run.js';
import type { PlannedFault, Schedule } from './schedule.js';
import { drawUnit, type Kind, type WorkloadUnit } from './workload.js';

function unitOf(kind: Kind, name: string): WorkloadUnit {
  const prng = new Prng(7);
  for (;;) {
    const u = drawUnit(prng, name);
    if (u.kind === kind) return u;
  }
}

const plain = unitOf('plain', 'u1.service');
const global = unitOf('global', 'u0.service');

function scenario(
  fault: Omit<PlannedFault, 'amount' | 'scope'> & Partial<PlannedFault>,
): Promise<RunResult> {
  const schedule: Schedule = {
    seed: 1,
    machines: ['a', 'b', 'c'].map((c, i) => ({
      id: `${c}${String(i + 1).repeat(31)}`,
      latency: { start: 100, stop: 200 },
    })),
    faults: [{ amount: 3, scope: '', ...fault }],
    writes: [
      { at: 1_000, op: 'create', unit: global, state: 'launched' },
      { at: 1_500, op: 'create', unit: plain, state: 'launched' },
    ],
    healedBy: fault.at + fault.durationMs,
  };
  return runSchedule(schedule);
}

const hosts = (r: RunResult, unit: string) =>
  [
    ...new Set(r.history.runs.filter((x) => x.unit === unit).map((x) => x.machine.slice(0, 2))),
  ].sort();

describe('chaos nemesis', () => {
  it('moves the units of a machine cut for longer than the TTL, and the overlap is explained', async () => {
    const r = await scenario({ at: 20_000, kind: 'link-cut', target: 0, durationMs: 30_000 });
    expect(r.applied).toEqual({ 'link-cut': 1 });
    expect(hosts(r, 'u1.service')).toEqual(['a1', 'b2']); // started on a1, moved to b2
    expect(r.violations.filter((v) => v.invariant === 'one-copy')).toEqual([]);
  });

  it('keeps everything in place through a cut shorter than the TTL', async () => {
    const r = await scenario({ at: 20_000, kind: 'link-cut', target: 0, durationMs: 5_000 });
    expect(hosts(r, 'u1.service')).toEqual(['a1']);
    expect(r.history.runs.filter((x) => x.to !== undefined)).toEqual([]); // nothing stopped
    expect(r.violations).toEqual([]);
  });

  it('kills every unit of a machine whose power is cut, and the machine runs its globals again after', async () => {
    const r = await scenario({ at: 20_000, kind: 'power-cut', target: 1, durationMs: 15_000 });
    const b2 = r.history.runs.filter((x) => x.machine.startsWith('b2') && x.unit === 'u0.service');
    expect(b2.map((x) => x.to === undefined)).toEqual([false, true]); // died, then started again
    expect(r.violations).toEqual([]);
  });
});
