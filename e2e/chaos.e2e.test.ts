// The chaos smoke test (reliability review §4.2, tier 2): 3 real machines on a 3-member etcd, a
// seeded run of a few rounds, each a workload through the API, a fault (sometimes two at once)
// from the real nemesis (fleetd killed or paused, the engine leader killed or paused, a machine's
// link to etcd cut, black-holed or delayed, an etcd member killed or paused, compaction, D-Bus
// restarted, systemd kept busy, power cut), its heal, and the cluster settling; then every
// invariant of testkit's chaos suite on the whole history. A failure writes
// test-results/chaos/<seed>/ (seed, op log, history, etcd events, journals); replay it with
// FLEET_CHAOS_SEED=<seed>. Long runs: `npm run chaos -- --rounds N --seed S`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSeed } from './src/chaos-rng.js';
import { formatReport, writeArtefacts } from './src/chaos-report.js';
import { ChaosRun, type ChaosReport } from './src/chaos-run.js';
import { Cluster } from './src/index.js';

const ROUNDS = 6;
const TTL_MS = 5_000;

describe('chaos smoke: 3 machines, 3 etcd members, seeded faults', () => {
  let c: Cluster;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3, etcdMembers: 3 });
  });
  afterAll(async () => {
    await c?.teardown();
  });

  it(`keeps every invariant through ${ROUNDS} rounds of faults`, async () => {
    const env = process.env['FLEET_CHAOS_SEED'];
    const seed = env === undefined || env === '' ? freshSeed() : Number(env);
    expect(Number.isInteger(seed) && seed >= 0, `FLEET_CHAOS_SEED=${env ?? ''}`).toBe(true);
    console.log(`[chaos] FLEET_CHAOS_SEED=${seed}`);
    const run = await ChaosRun.start(c, {
      seed,
      rounds: ROUNDS,
      ttlMs: TTL_MS,
      log: (line) => console.log(`[chaos] ${line}`),
    });
    let report: ChaosReport | undefined;
    let failure: unknown;
    try {
      await run.warmUp();
      report = await run.run();
    } catch (err) {
      failure = err;
    } finally {
      await run.stop();
    }
    report ??= run.report();
    console.log(formatReport(report));
    const unsettled = report.rounds.filter((r) => r.settleMs === undefined).map((r) => r.round);
    if (failure !== undefined || report.violations.length > 0 || unsettled.length > 0) {
      const dir = await writeArtefacts(c, run, report);
      console.log(`[chaos] artefacts in ${dir}; replay with FLEET_CHAOS_SEED=${seed}`);
    }
    if (failure !== undefined) throw failure;
    expect(unsettled, 'rounds that never settled').toEqual([]);
    expect(
      report.violations.map((v) => `round ${v.round} ${v.invariant}: ${v.description}`),
    ).toEqual([]);
  }, 900_000);
});
