// vitest.setup.ts seeds fast-check for every test file: the same cases on every run, replayable.
import fc from 'fast-check';
import { expect, it } from 'vitest';

it('fast-check draws from FLEET_FC_SEED, or the fixed default', () => {
  const want = process.env.FLEET_FC_SEED ? Number(process.env.FLEET_FC_SEED) | 0 : 20261203;
  expect(fc.readConfigureGlobal().seed).toBe(want);
  const draw = () => fc.sample(fc.integer(), { numRuns: 5 });
  expect(draw()).toEqual(draw());
});
