// How long a rolling update takes against its ideal, in one run (not a test).
//   npx tsx packages/engine/bench/rollout-bench.ts [--instances 30] [--parallel 5] [--healthy 1]
//     [--rounds 3]
// An engine with rollouts over an in-memory registry on the real clock, 5 machines whose stand-in
// agents start a copy in 100 ms and publish its state; `--instances` copies of one template are
// rolled to a new version `--parallel` at a time, each done after `--healthy` s. Prints the median
// rollout time over the rounds against the ideal: waves × UpdateMinHealthySec.
import { parseArgs } from 'node:util';
import { InMemoryRegistry, type UnitInput } from '@fleet/registry';
import { systemClock } from '@fleet/runtime';
import { xfleetOptions } from '@fleet/scheduler/testing';
import type { UnitOption } from '@fleet/unit';
import { Engine } from '../src/engine.js';
import { RolloutController } from '../src/rollouts.js';
import { machineRecord } from '../src/testing/index.js';
import { RolloutWorld } from '../src/testing/rollout-world.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '30' },
    parallel: { type: 'string', default: '5' },
    healthy: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '3' },
  },
});
const instances = Number(values.instances);
const parallel = Number(values.parallel);
const healthySec = Number(values.healthy);
const rounds = Number(values.rounds);
const MACHINES = ['m1', 'm2', 'm3', 'm4', 'm5'].map((m) => m.padEnd(32, '0'));
const GROUP = 'web@.service';

const version = (v: string): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: `/bin/web --version ${v}` },
  ...xfleetOptions([`UpdateMaxParallel=${parallel}`, `UpdateMinHealthySec=${healthySec}`]),
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls every 20 ms (agents acting) until `done`, for at most 5 minutes. */
async function until(world: RolloutWorld, done: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 300_000;
  while (!(await done())) {
    if (Date.now() > end) throw new Error('the rollout did not end within 5 minutes');
    await world.sync();
    await sleep(20);
  }
}

/** One rollout from start to succeeded; its wall time in ms. */
async function round(): Promise<number> {
  const registry = new InMemoryRegistry();
  const sessions = await Promise.all(
    MACHINES.map((id) => registry.registerMachine(machineRecord(id), 30)),
  );
  const world = new RolloutWorld(registry, systemClock, sessions, 100);
  const names = Array.from({ length: instances }, (_, i) => `web@${i + 1}.service`);
  const submit = async (options: UnitOption[], create: boolean) => {
    for (const name of names) {
      const input: UnitInput = { name, options, desiredState: 'launched' };
      await (create ? registry.createUnit(input) : registry.replaceUnit(input));
    }
  };
  await submit(version('1'), true);
  const engine = new Engine({
    registry,
    candidateId: MACHINES[0] ?? '',
    rollouts: new RolloutController({ registry }),
  });
  engine.start();
  try {
    await until(world, async () => (await world.healthy('web@')) === instances);
    const started = Date.now();
    await submit(version('2'), false);
    await until(world, async () => {
      const r = await registry.getRollout(GROUP);
      return r.current === undefined && r.history[0]?.state === 'succeeded';
    });
    return Date.now() - started;
  } finally {
    await engine.stop();
    await Promise.all(sessions.map((s) => s.close()));
    await registry.close();
  }
}

const times: number[] = [];
for (let i = 0; i < rounds; i++) times.push(await round());
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
const waves = Math.ceil(instances / parallel);
const ideal = waves * healthySec * 1000;
console.log(
  `rollout of ${instances} instances, ${parallel} at a time, UpdateMinHealthySec=${healthySec}: ` +
    `median ${(median / 1000).toFixed(2)} s of ${rounds} (${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s); ` +
    `ideal ${waves} waves × ${healthySec} s = ${(ideal / 1000).toFixed(2)} s; ratio x${(median / ideal).toFixed(2)}`,
);
