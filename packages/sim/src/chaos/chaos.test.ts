// The simulation tier of the chaos suite (reliability review §4.1): a whole cluster in process on
// a manual clock, faults from a seeded schedule, and the invariants of @fleet/testkit's chaos
// module checked on the recorded history. A failing seed prints its faults, its violations and
// the one-line command that replays it; FLEET_CHAOS_SEED=<seed> runs that seed alone.
import { describe, expect, it } from 'vitest';
import { describeRun, replayCommand, runSeed } from './run.js';

/** Fixed, so CI runs the same schedules every time; change it to explore. */
const BASE_SEED = 20_261_203;
const SCHEDULES = 300;
/** A schedule takes well under a second; this only stops a hung one (simulated time needs no wait). */
const HANG_GUARD_MS = 30_000;
/**
 * A seed outside the range that reached a path the range does not (a long run of npm run
 * chaos:sim found it): kept so that CI checks that path too.
 */
const NAMED_SEEDS: Readonly<Record<number, string>> = {
  5504: 'an ambiguous assignment commit while the leader watch lags (review F4)',
  938: 'a unit declaring Conflicts= destroyed while a global it conflicts with takes its machine',
  991: "the same with a shorter stop: the destroyed unit's contents are gone, its Conflicts= unknown",
};

function seeds(): number[] {
  const one = process.env['FLEET_CHAOS_SEED'];
  if (one !== undefined && one !== '') {
    if (!/^\d+$/.test(one))
      throw new Error(`FLEET_CHAOS_SEED must be a whole number, got ${JSON.stringify(one)}`);
    return [Number(one)];
  }
  return [
    ...Array.from({ length: SCHEDULES }, (_, i) => BASE_SEED + i),
    ...Object.keys(NAMED_SEEDS).map(Number),
  ];
}

describe('chaos simulation', () => {
  it(
    'replays a seed exactly: the same schedule gives the same history',
    async () => {
      const seed = BASE_SEED + 7;
      const a = await runSeed(seed);
      const b = await runSeed(seed);
      expect(a.applied).toEqual(b.applied);
      expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
      expect(a.history.runs.length).toBeGreaterThan(0);
    },
    2 * HANG_GUARD_MS,
  );

  for (const seed of seeds())
    it(
      `keeps every invariant under the faults of seed ${seed}${NAMED_SEEDS[seed] === undefined ? '' : ` (${NAMED_SEEDS[seed]})`}`,
      async () => {
        const r = await runSeed(seed);
        if (r.violations.length > 0) console.log(describeRun(r));
        expect(
          r.violations.map((v) => `[${v.invariant}] ${v.description}`),
          replayCommand(seed),
        ).toEqual([]);
      },
      HANG_GUARD_MS,
    );
});
