// Times one planCluster pass, from nothing scheduled to everything placed, for a small and a large
// cluster, and a steady-state pass (everything already placed). Prints medians of several runs and
// the ratio of the large cluster to the small one. Not a test: figures only.
import { planCluster } from '../src/plan.js';
import { Planner } from '../src/planner.js';
import { apply, machine, unit } from '../src/testing/index.js';
import type { Snapshot, SnapshotUnit } from '../src/types.js';

function cluster(units: number, machines: number): Snapshot {
  const ms = Array.from({ length: machines }, (_, i) =>
    machine(i.toString(16).padStart(32, '0'), {
      region: i % 2 === 0 ? 'eu' : 'us',
      rack: `r${i % 10}`,
    }),
  );
  const us: SnapshotUnit[] = [];
  for (let i = 0; i < units; i++) {
    const name = `app-${i}.service`;
    // A realistic mix: most units plain, some with metadata, some conflicting, a few globals.
    if (i % 10 === 0) us.push(unit(name, ['MachineMetadata=region=eu']));
    else if (i % 10 === 1) us.push(unit(`web@${i}.service`, ['Conflicts=web@*.service']));
    else if (i % 10 === 2 && i > 2)
      us.push(unit(`side-${i}.service`, [`MachineOf=app-${i - 2}.service`]));
    else if (i % 1000 === 3) us.push(unit(`global-${i}.service`, ['Global=true']));
    else us.push(unit(name));
  }
  return { units: us, machines: ms, assignments: [] };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(
  s: Snapshot,
  runs: number,
): { cold: number; steady: number; tasks: number; waiting: number } {
  const cold: number[] = [];
  const steady: number[] = [];
  let tasks = 0;
  let waiting = 0;
  for (let r = 0; r < runs; r++) {
    let t = process.hrtime.bigint();
    const plan = planCluster(s);
    cold.push(Number(process.hrtime.bigint() - t) / 1e6);
    tasks = plan.tasks.length;
    waiting = plan.waiting.length;
    const placed = { ...s, assignments: apply(s, plan) };
    t = process.hrtime.bigint();
    planCluster(placed);
    steady.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { cold: median(cold), steady: median(steady), tasks, waiting };
}

const small = time(cluster(100, 10), 15);
const large = time(cluster(10_000, 1_000), 7);
const row = (label: string, r: typeof small) =>
  `${label.padEnd(28)} ${r.cold.toFixed(1).padStart(10)} ${r.steady.toFixed(1).padStart(12)} ${String(r.tasks).padStart(7)} ${String(r.waiting).padStart(8)}`;
console.log(`planCluster on node ${process.version}, medians of repeated runs in one process`);
console.log(
  `${'cluster'.padEnd(28)} ${'place ms'.padStart(10)} ${'steady ms'.padStart(12)} ${'tasks'.padStart(7)} ${'waiting'.padStart(8)}`,
);
console.log(row('100 units / 10 machines', small));
console.log(row('10,000 units / 1,000 machines', large));
console.log(
  `ratio large/small: place ${(large.cold / small.cold).toFixed(0)}x, steady ${(large.steady / small.steady).toFixed(0)}x (for 100x the units)`,
);

// One new unit in the large cluster, placed: a full pass (what the engine did for it before) and
// the Planner's pass over that unit alone, on the state the last pass led to.
function oneNew(s: Snapshot, runs: number): { full: number; changes: number } {
  const planner = new Planner();
  let assignments = apply(s, planner.full(s));
  planner.committed();
  const full: number[] = [];
  const changes: number[] = [];
  for (let r = 0; r < runs; r++) {
    const extra = unit(`one-${r}.service`);
    const next = { ...s, units: [...s.units, extra], assignments };
    let t = process.hrtime.bigint();
    planCluster(next);
    full.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    const plan = planner.changes(s.machines, [extra]);
    changes.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (plan === undefined || plan.tasks.length !== 1) throw new Error('one new unit: no plan');
    planner.committed();
    assignments = apply(next, plan);
    s = next;
  }
  return { full: median(full), changes: median(changes) };
}

const one = oneNew(cluster(10_000, 1_000), 15);
console.log(
  `one new unit, 10,000 units / 1,000 machines: full pass ${one.full.toFixed(1)} ms, ` +
    `Planner over the change ${one.changes.toFixed(2)} ms`,
);

// Units no machine can take: every tenth unit asks for metadata no machine has (two keys) and
// conflicts with the others of its kind, so each is checked against every machine and its reason
// (every failing constraint, summarised over the machines) is built on every pass.
function unplaceable(units: number, machines: number): Snapshot {
  const s = cluster(units, machines);
  const us = s.units.map((u, i) =>
    i % 10 === 5
      ? unit(`picky-${i}.service`, [
          'MachineMetadata=region=eu',
          'MachineMetadata=disk=ssd',
          'Conflicts=picky-*.service',
        ])
      : u,
  );
  return { ...s, units: us };
}

const picky = time(unplaceable(10_000, 1_000), 7);
console.log(row('10,000 units, 1,000 waiting', picky));
console.log(
  `ratio waiting/plain (10,000 units / 1,000 machines): place ${(picky.cold / large.cold).toFixed(2)}x, steady ${(picky.steady / large.steady).toFixed(2)}x`,
);
