/**
 * The seed of every fast-check property in this package. Fixed, so that a property that catches a
 * regression catches it on every run instead of now and then; `FLEET_FC_SEED=<integer>` explores
 * other cases (the seed is in each property suite's name, and fast-check prints it on a failure).
 */
export const FC_SEED = seedFrom(process.env.FLEET_FC_SEED);

function seedFrom(text: string | undefined): number {
  if (text === undefined || text === '') return 20261203;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`FLEET_FC_SEED must be an integer, got ${text}`);
  return n;
}

/** fast-check parameters: this package's seed and `numRuns`. */
export function fcParams(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FC_SEED, numRuns };
}
