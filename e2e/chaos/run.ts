// Long chaos runs on a real cluster (the CI smoke test runs the same code for a few rounds):
//   npm run chaos -- --rounds 100 --seed 42 [--members 3] [--ttl 5] [--overlap 0.2] [--strict]
// Boots 3 systemd-nspawn machines running this checkout's fleetd on an etcd of 1 or 3 members,
// then plays rounds: a workload writes through the API, a fault (20%: two overlapping) is applied
// for 1 s .. 3×TTL and healed, the cluster settles, and every invariant of testkit's chaos suite
// is checked on the history so far. Prints a report; on a violation (or a round that never
// settled) writes test-results/chaos/<seed>/ and exits 1. Needs root, like the e2e tests, and a
// built checkout (the npm script runs `tsc -b` first: the machines run fleetd from dist).
import { parseArgs } from 'node:util';
import { freshSeed } from '../src/chaos-rng.js';
import { formatReport, writeArtefacts } from '../src/chaos-report.js';
import { ChaosRun } from '../src/chaos-run.js';
import { Cluster } from '../src/cluster.js';
import { NEMESIS_OPS, type NemesisOp } from '../src/nemesis.js';

function fail(line: string): never {
  console.error(`chaos: ${line}`);
  process.exit(2);
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rounds: { type: 'string', default: '10' },
        seed: { type: 'string' },
        members: { type: 'string', default: '3' },
        ttl: { type: 'string', default: '5' },
        overlap: { type: 'string', default: '0.2' },
        ops: { type: 'string' },
        strict: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const int = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      fail(`--${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return n;
  };
  const members = int('members', values.members, 1, 3);
  if (members !== 1 && members !== 3) fail('--members must be 1 or 3');
  const overlap = Number(values.overlap);
  if (!(overlap >= 0 && overlap <= 1)) fail(`--overlap must be from 0 to 1, not ${values.overlap}`);
  const ops = (values.ops?.split(',') ?? [...NEMESIS_OPS]) as NemesisOp[];
  const unknown = ops.filter((o) => !(NEMESIS_OPS as readonly string[]).includes(o));
  if (unknown.length > 0)
    fail(`unknown op(s) ${unknown.join(', ')}; known: ${NEMESIS_OPS.join(', ')}`);
  return {
    rounds: int('rounds', values.rounds, 1, 100_000),
    seed: values.seed === undefined ? freshSeed() : int('seed', values.seed, 0, 2 ** 32 - 1),
    members: members as 1 | 3,
    ttlSeconds: int('ttl', values.ttl, 1, 300),
    overlap,
    ops: members === 1 ? ops.filter((o) => !o.startsWith('etcd-')) : ops,
    strict: values.strict,
  };
}

async function main(): Promise<number> {
  const o = parse();
  if (process.getuid?.() !== 0) fail('must run as root (it boots systemd-nspawn machines)');
  console.log(`FLEET_CHAOS_SEED=${o.seed}`);
  const t0 = Date.now();
  const c = await Cluster.start({
    machines: 3,
    etcdMembers: o.members,
    agentTtl: `${o.ttlSeconds}s`,
  });
  console.log(`[chaos] 3 machines on ${o.members} etcd member(s) up in ${Date.now() - t0} ms`);
  let run: ChaosRun | undefined;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    console.log('[chaos] interrupted: finishing this round, then cleaning up');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    run = await ChaosRun.start(c, {
      seed: o.seed,
      rounds: o.rounds,
      ttlMs: o.ttlSeconds * 1000,
      overlap: o.overlap,
      ops: o.ops,
      strict: o.strict,
      log: (line) => console.log(`[chaos] ${line}`),
    });
    await run.warmUp();
    for (let r = 1; r <= o.rounds && !interrupted; r++) await run.round(r);
    await run.stop();
    const report = run.report();
    console.log(`\n${formatReport(report)}\nwall time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const bad = report.violations.length > 0 || report.rounds.some((x) => x.settleMs === undefined);
    if (bad) {
      const dir = await writeArtefacts(c, run, report);
      console.log(
        `artefacts in ${dir}\nreplay: npm run chaos -- --seed ${o.seed} --rounds ${o.rounds}`,
      );
      console.log(`FLEET_CHAOS_SEED=${o.seed}`);
    }
    return bad ? 1 : 0;
  } finally {
    await run?.stop().catch(() => undefined);
    await c.teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(1);
  },
);
