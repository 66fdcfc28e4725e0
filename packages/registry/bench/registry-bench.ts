// Registry throughput against a real etcd started for the run (not a test).
//   npx tsx packages/registry/bench/registry-bench.ts [--rounds 5] [--ops 2000] [--concurrency 32]
// Measures, in one run and with the same concurrency: raw etcd3 puts/s (the same client
// setup the registry uses), registry unit creates/s, and fenced assignment writes/s batched
// as the engine applies them; prints medians over rounds and ratios to the raw put rate.
// Needs `etcd` on PATH and a built @fleet/testkit (`npx tsc -b packages/registry`).
import { EtcdCluster } from '@fleet/testkit';
import { parseArgs } from 'node:util';
import { EtcdRegistry } from '../src/etcd.js';
import type { AssignmentOp } from '../src/index.js';
import { createEtcdClient } from '../src/kv/etcd-client.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    ops: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const rounds = Number(values.rounds);
const ops = Number(values.ops);
const concurrency = Number(values.concurrency);

/** Runs `n` calls of `fn(i)` with at most `c` in flight; returns calls per second. */
async function rate(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return n / seconds;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

function unitOptions(i: number, round: number) {
  return [
    { section: 'Unit', name: 'Description', value: `bench unit ${round}/${i}` },
    { section: 'Service', name: 'ExecStart', value: `/usr/bin/sleep ${100_000 + i}` },
    { section: 'Service', name: 'Restart', value: 'always' },
    { section: 'X-Fleet', name: 'MachineMetadata', value: 'role=bench' },
  ];
}

const etcd = await EtcdCluster.start({ members: 1 });
const results = { raw: [] as number[], create: [] as number[], assign: [] as number[] };
try {
  const client = createEtcdClient({ endpoints: etcd.endpoints });
  const sample = JSON.stringify({ options: unitOptions(0, 0) });
  for (let round = 0; round < rounds; round++) {
    results.raw.push(
      await rate(ops, concurrency, (i) =>
        client.put(`/bench-raw/${round}/u${i}.service`).value(sample).exec(),
      ),
    );

    const registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: `/bench-${round}/` });
    results.create.push(
      await rate(ops, concurrency, (i) =>
        registry.createUnit({
          name: `u${i}.service`,
          options: unitOptions(i, round),
          desiredState: 'launched',
        }),
      ),
    );

    // The engine writes one plan per reconcile: a single call, batched into fenced txns.
    const lead = await registry.campaign('bench-engine', 10);
    if (lead === undefined) throw new Error('bench engine was not elected');
    const plan: AssignmentOp[] = Array.from({ length: ops }, (_, i) => ({
      kind: 'schedule',
      machineId: `m${i % 50}`,
      unit: `u${i}.service`,
      hash: 'a'.repeat(40),
      desiredState: 'launched',
    }));
    const started = process.hrtime.bigint();
    await registry.applyAssignments(lead.token, plan);
    results.assign.push(ops / (Number(process.hrtime.bigint() - started) / 1e9));
    await lead.resign();
    await registry.close();
  }
  client.close();
} finally {
  await etcd.stop();
}

const raw = median(results.raw);
const rows: [string, number[]][] = [
  ['raw etcd3 put', results.raw],
  ['registry createUnit', results.create],
  ['fenced assignment ops (batched)', results.assign],
];
console.log(
  `\netcd 1 member, ${rounds} rounds x ${ops} ops, concurrency ${concurrency} ` +
    '(assignments: one applyAssignments call per round)\n',
);
const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number) => Math.round(x).toString().padStart(8);
console.log(
  `${pad('operation', 34)}${'median/s'.padStart(9)}${'min/s'.padStart(9)}${'max/s'.padStart(9)}  ratio`,
);
for (const [name, xs] of rows) {
  const m = median(xs);
  console.log(
    `${pad(name, 34)} ${num(m)} ${num(Math.min(...xs))} ${num(Math.max(...xs))}  ${(m / raw).toFixed(2)}`,
  );
}
