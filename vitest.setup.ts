// Runs before every test file of every project. fast-check draws from one seed, so a property
// test explores the same cases on every run and a failure replays: FLEET_FC_SEED=<n> npx vitest …
// A test that passes its own `seed` to fc.assert keeps it.
import fc from 'fast-check';
import { beforeEach } from 'vitest';

const DEFAULT_SEED = 20261203;

function seedFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`FLEET_FC_SEED must be an integer, not ${raw}`);
  return n | 0;
}

const seed = seedFromEnv(process.env.FLEET_FC_SEED);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

// fast-check's own failure message gives the seed of that property; this line says how to replay
// the whole file's draws. Only for property failures: other tests need no seed.
beforeEach((ctx) => {
  ctx.onTestFailed(({ task }) => {
    const errors = task.result?.errors ?? [];
    if (errors.some((e) => /Property failed/.test(String(e.message))))
      console.error(`[fast-check] global seed ${seed} (replay with FLEET_FC_SEED=${seed})`);
  });
});
