// The simulation tier of the chaos suite (reliability review §4.1): a whole cluster in process on
// a manual clock, faults from a seeded schedule, and the invariants of @fleet/testkit's chaos
// module checked on the recorded history. A failing seed prints its faults, its violations and
// the one-line command that replays it; FLEET_CHAOS_SEED=<seed> runs that seed alone.
import { describe, expect, it } from 'vitest';
import { describeRun, replayCommand, runSeed } from './run.js';

/** Fixed, so CI runs the same schedules every time; change it to explore. */
const BASE_SEED = 20_261_203;
const SCHEDULES = 300;

function seeds(): number[] {
  const one = process.env['FLEET_CHAOS_SEED'];
  if (one !== undefined && one !== '') {
    if (!/^\d+$/.test(one))
      throw new Error(`FLEET_CHAOS_SEED must be a whole number, got ${JSON.stringify(one)}`);
    return [Number(one)];
  }
  return Array.from({ length: SCHEDULES }, (_, i) => BASE_SEED + i);
}

describe('chaos simulation', () => {
  it('replays a seed exactly: the same schedule gives the same history', async () => {
    const seed = BASE_SEED + 7;
    const a = await runSeed(seed);
    const b = await runSeed(seed);
    expect(a.applied).toEqual(b.applied);
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
    expect(a.history.runs.length).toBeGreaterThan(0);
  });

  for (const seed of seeds())
    it(`keeps every invariant under the faults of seed ${seed}`, async () => {
      const r = await runSeed(seed);
      if (r.violations.length > 0) console.log(describeRun(r));
      expect(
        r.violations.map((v) => `[${v.invariant}] ${v.description}`),
        replayCommand(seed),
      ).toEqual([]);
    });
});
