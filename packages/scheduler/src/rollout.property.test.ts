import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepRollout } from './rollout.js';
import type { RolloutRecord, RolloutUnitState } from './rollout-types.js';
import { FC_SEED, fcParams } from './testing/index.js';
import { Group, NEW, OLD, T0 } from './testing/rollouts.js';

const S = 1000;

/** How a copy behaves once it was given the new contents, tick by tick. */
interface Timeline {
  /** Ticks the agent takes to act (the old version is stopping meanwhile). */
  readonly delay: number;
  /** Then, tick by tick: up and healthy, or not (starting, restarting); then up for good. */
  readonly flaps: readonly boolean[];
  /** How it ends: fine, the unit fails, its check fails, or it never comes up. */
  readonly outcome: 'ok' | 'failed' | 'failing' | 'never';
  /** When a failure comes, in ticks after the agent acted. */
  readonly failAt: number;
}

const arbTimeline: fc.Arbitrary<Timeline> = fc.record({
  delay: fc.nat(3),
  flaps: fc.array(fc.boolean(), { maxLength: 5 }),
  outcome: fc.constantFrom<Timeline['outcome']>(
    'ok',
    'ok',
    'ok',
    'ok',
    'failed',
    'failing',
    'never',
  ),
  failAt: fc.nat(6),
});

/** The new version's published state `t` ticks after the copy was given it. */
function observe(
  tl: Timeline,
  t: number,
): Pick<RolloutUnitState, 'hash' | 'activeState' | 'health'> {
  if (t < tl.delay) return { hash: OLD, activeState: 'deactivating' };
  const since = t - tl.delay;
  if (tl.outcome === 'never') return { hash: NEW, activeState: 'activating' };
  if (tl.outcome === 'failed' && since >= tl.failAt) return { hash: NEW, activeState: 'failed' };
  if (tl.outcome === 'failing' && since >= tl.failAt)
    return { hash: NEW, activeState: 'active', health: { status: 'failing' } };
  const up = tl.flaps[since] ?? true;
  return { hash: NEW, activeState: up ? 'active' : 'activating' };
}

const isHealthy = (s: RolloutUnitState | undefined): boolean =>
  s !== undefined && s.activeState === 'active' && s.health?.status !== 'failing';

const arbCase = fc
  .record({
    n: fc.integer({ min: 1, max: 8 }),
    maxParallel: fc.integer({ min: 1, max: 3 }),
    minHealthySec: fc.integer({ min: 0, max: 3 }),
    healthyDeadlineSec: fc.integer({ min: 2, max: 12 }),
    autoRevert: fc.boolean(),
    global: fc.boolean(),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      timelines: fc.array(arbTimeline, { minLength: c.n, maxLength: c.n }),
    }),
  );

describe(`stepRollout properties (seed ${FC_SEED})`, () => {
  it('keeps N - maxParallel copies healthy, never has more in flight, and always ends', () => {
    fc.assert(
      fc.property(arbCase, ({ c, timelines }) => {
        const policy = { ...c };
        const g = c.global ? Group.global(c.n, policy) : Group.template(c.n, policy);
        const key = (unit: string, m: string) => `${unit} ${m}`;
        /** Tick each copy was given the new contents at, while it carries them. */
        const givenAt = new Map<string, number>();
        const revertedAt = new Map<string, number>();
        let rec: RolloutRecord | undefined;
        let finished: RolloutRecord | undefined;
        const limit = c.n * (c.healthyDeadlineSec + c.minHealthySec + 3) + 10;
        for (let tick = 0; tick < limit && finished === undefined; tick++) {
          const s = stepRollout(g.input(rec, T0 + tick * S));
          rec = s.record;
          if (s.finished) finished = rec;
          const inFlight = rec?.copies.filter((x) => x.phase === 'replacing').length ?? 0;
          if (inFlight > c.maxParallel) throw new Error(`${inFlight} copies in flight at ${tick}`);
          // The engine acts on the step: released copies get the new contents, reverted the old.
          for (const r of s.release) {
            g.assign(r.unit, r.machineId, NEW);
            givenAt.set(key(r.unit, r.machineId), tick);
          }
          for (const r of s.revert) {
            g.assign(r.unit, r.machineId, OLD);
            givenAt.delete(key(r.unit, r.machineId));
            revertedAt.set(key(r.unit, r.machineId), tick);
          }
          if (s.revertUnits.length > 0) g.setUnitHash(OLD);
          // The world moves one tick: agents act and publish.
          const done = new Set(
            rec?.copies.filter((x) => x.phase === 'done').map((x) => key(x.unit, x.machineId)),
          );
          g.assignments.forEach((a, i) => {
            const k = key(a.unit, a.machineId);
            const at = givenAt.get(k);
            if (at !== undefined) {
              const tl = timelines[i] as Timeline;
              const seen = done.has(k)
                ? { hash: NEW, activeState: 'active' } // a copy counted done stays up
                : observe(tl, tick + 1 - at);
              g.publish(a.unit, a.machineId, { health: undefined, ...seen });
            } else if (revertedAt.has(k))
              g.publish(a.unit, a.machineId, {
                hash: OLD,
                activeState: 'active',
                health: undefined,
              });
          });
          const state = rec?.state ?? 'running';
          if (state === 'running' || state === 'paused' || state === 'succeeded') {
            const healthy = g.states.filter(isHealthy).length;
            if (healthy < c.n - c.maxParallel)
              throw new Error(`${healthy} of ${c.n} copies healthy at ${tick}, in ${state}`);
          }
        }
        // It ends: succeeded with every copy on the new version, rolled back with every copy and
        // unit on the old one, or (without autoRevert) failed and holding.
        const end = finished ?? rec;
        if (end?.state === 'succeeded') {
          expect(g.assignments.every((a) => a.hash === NEW)).toBe(true);
        } else if (end?.state === 'rolled-back') {
          expect(g.assignments.every((a) => a.hash === OLD)).toBe(true);
          expect(g.units.every((u) => u.hash === OLD)).toBe(true);
          expect(c.autoRevert).toBe(true);
        } else {
          expect(end?.state).toBe('failed');
          expect(c.autoRevert).toBe(false);
          expect(end?.reason).toMatch(/ on m\d: /);
        }
        // A rollout whose every copy was fine succeeds.
        if (
          timelines.every(
            (t) => t.outcome === 'ok' && t.delay + t.flaps.length < c.healthyDeadlineSec,
          )
        )
          expect(end?.state).toBe('succeeded');
      }),
      fcParams(150),
    );
  });
});
