// The API's listings against the registry's, on a cluster-sized registry (not a test).
//   npx tsx packages/api/bench/api-bench.ts [--runs 10] [--units 10000] [--machines 1000]
//                                           [--listing-max-age-ms 5000]
// Fills a registry as a real cluster has it: units (each with its own contents), one assignment
// per unit spread over the machines, every machine registered and publishing one state per unit
// it runs. Serves the API with FleetServer on a unix socket in a temp dir and times, per run:
//   - GET /fleet/v1/units, every page (FleetClient.listUnits follows nextPageToken), against
//     one registry.listUnits() (the baseline);
//   - GET /fleet/v1/state, every page, against one registry.listUnitStates().
// Over InMemoryRegistry and over EtcdRegistry on a real etcd started here. Baseline and API runs
// alternate, so both see the same noise; medians, and the ratio API / baseline.
// `--listing-max-age-ms 0` serves every page from a fresh listing, as fleet did (slow: minutes).
// Needs `etcd` on PATH and built registry/testkit/unit/runtime (`npm run build`).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  InMemoryRegistry,
  type AssignmentOp,
  type MachineSession,
  type Registry,
} from '@fleet/registry';
import { FleetClient } from '@fleet/client';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster } from '@fleet/testkit';
import { createApi, DEFAULT_LISTING_MAX_AGE_MS, FleetServer } from '../src/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    units: { type: 'string', default: '10000' },
    machines: { type: 'string', default: '1000' },
    'listing-max-age-ms': { type: 'string' },
  },
});
const runs = Number(values.runs);
const unitCount = Number(values.units);
const machineCount = Number(values.machines);
const TOKEN_LIMIT = 100;
const maxAge = values['listing-max-age-ms'];
const listingMaxAgeMs = maxAge === undefined ? DEFAULT_LISTING_MAX_AGE_MS : Number(maxAge);

/** What is still to undo (temp dir, server, registry, etcd), newest last; run on SIGINT/SIGTERM. */
const undo: (() => Promise<unknown>)[] = [];
/** Registers `fn` to undo something; returns a runner that runs it once and forgets it. */
function undoable(fn: () => Promise<unknown>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const run = (): Promise<void> => {
    done ??= (async () => {
      undo.splice(undo.indexOf(run), 1);
      await fn();
    })();
    return done;
  };
  undo.push(run);
  return run;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\napi-bench: ${signal}, cleaning up`);
    void (async () => {
      for (const run of [...undo].reverse()) await run().catch(() => undefined);
    })().finally(() => process.exit(130));
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** Milliseconds `fn` takes. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs `n` calls of `fn(i)` with at most `c` in flight. */
async function pool(n: number, c: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

const machineId = (i: number) => i.toString(16).padStart(32, '0');
const unitName = (i: number) => `app-${String(i).padStart(5, '0')}.service`;
const unitOptions = (i: number) => [
  { section: 'Unit', name: 'Description', value: `bench app ${i}` },
  { section: 'Service', name: 'ExecStart', value: `/usr/bin/sleep ${100_000 + i}` },
  { section: 'Service', name: 'Restart', value: 'always' },
  { section: 'X-Fleet', name: 'MachineMetadata', value: `rack=r${i % 10}` },
];

/** Fills `registry` like a running cluster; returns the sessions to close afterwards. */
async function populate(registry: Registry): Promise<MachineSession[]> {
  const sessions: MachineSession[] = new Array<MachineSession>(machineCount);
  await pool(machineCount, 32, async (m) => {
    sessions[m] = await registry.registerMachine(
      {
        id: machineId(m),
        publicIP: `10.${(m >> 8) & 255}.${m & 255}.1`,
        metadata: { rack: `r${m % 10}` },
        health: {},
        version: 'bench',
        capabilities: [],
      },
      120,
    );
  });
  const hashes: string[] = new Array<string>(unitCount);
  await pool(unitCount, 32, async (i) => {
    const head = await registry.createUnit({
      name: unitName(i),
      options: unitOptions(i),
      desiredState: 'launched',
    });
    hashes[i] = head.hash;
  });
  const lead = await registry.campaign('bench-engine', 120);
  if (lead === undefined) throw new Error('the bench engine was not elected');
  const ops: AssignmentOp[] = hashes.map((hash, i) => ({
    kind: 'schedule',
    machineId: machineId(i % machineCount),
    unit: unitName(i),
    hash,
    desiredState: 'launched',
  }));
  await registry.applyAssignments(lead.token, ops);
  await lead.resign();
  await pool(unitCount, 32, (i) =>
    (sessions[i % machineCount] as MachineSession).publishUnitState({
      unit: unitName(i),
      hash: hashes[i] ?? '',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      state: 'launched',
    }),
  );
  return sessions;
}

interface Figures {
  readonly listUnits: number[];
  readonly apiUnits: number[];
  readonly listStates: number[];
  readonly apiStates: number[];
}

/** Serves the API over `registry` on a unix socket and times the listings. */
async function measure(registry: Registry): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-api-bench-'));
  const removeDir = undoable(() => rm(dir, { recursive: true, force: true }));
  const figures: Figures = { listUnits: [], apiUnits: [], listStates: [], apiStates: [] };
  try {
    const socket = join(dir, 'fleet.sock');
    const server = await FleetServer.listen(
      createApi({ registry, version: 'bench', tokenLimit: TOKEN_LIMIT, listingMaxAgeMs }),
      { unixSocket: socket, activation: false },
    );
    const closeServer = undoable(() => server.close());
    const client = new FleetClient({ endpoint: `unix://${socket}`, timeoutMs: 600_000 });
    try {
      // A warm-up of each, which also checks that the API lists exactly what the registry holds.
      const [units, states] = await Promise.all([client.listUnits(), client.listUnitStates()]);
      const expected = (await registry.listUnits()).items.map((u) => u.name);
      if (JSON.stringify(units.map((u) => u.name)) !== JSON.stringify(expected)) {
        throw new Error(`GET /units listed ${units.length} units, the registry ${expected.length}`);
      }
      if (states.length !== (await registry.listUnitStates()).items.length) {
        throw new Error(`GET /state listed ${states.length} states`);
      }
      if (units.some((u) => u.currentState !== 'launched')) {
        throw new Error('GET /units: a unit is not reported launched');
      }
      for (let r = 0; r < runs; r++) {
        figures.listUnits.push(await timed(() => registry.listUnits()));
        figures.apiUnits.push(await timed(() => client.listUnits()));
        figures.listStates.push(await timed(() => registry.listUnitStates()));
        figures.apiStates.push(await timed(() => client.listUnitStates()));
      }
    } finally {
      client.close();
      await closeServer();
    }
  } finally {
    await removeDir();
  }
  return figures;
}

async function bench(registry: Registry): Promise<Figures> {
  const closeRegistry = undoable(() => registry.close());
  let sessions: MachineSession[] = [];
  try {
    const started = process.hrtime.bigint();
    sessions = await populate(registry);
    const s = Number(process.hrtime.bigint() - started) / 1e9;
    console.error(`  filled in ${s.toFixed(1)} s; measuring ${runs} runs`);
    return await measure(registry);
  } finally {
    await Promise.allSettled(sessions.filter((x) => x !== undefined).map((x) => x.close()));
    await closeRegistry();
  }
}

const results: [string, Figures][] = [];
console.error(`InMemoryRegistry: ${unitCount} units on ${machineCount} machines`);
results.push(['InMemoryRegistry', await bench(new InMemoryRegistry())]);
console.error(`EtcdRegistry: starting etcd`);
const etcd = await EtcdCluster.start({ members: 1 });
const stopEtcd = undoable(() => etcd.stop());
try {
  results.push([
    'EtcdRegistry',
    await bench(new EtcdRegistry({ endpoints: etcd.endpoints, prefix: '/fleet-api-bench/' })),
  ]);
} finally {
  await stopEtcd();
}

const pages = Math.ceil(unitCount / TOKEN_LIMIT);
console.log(
  `\n${unitCount} units, ${unitCount} assignments on ${machineCount} machines, ${unitCount} unit states; ` +
    `token_limit ${TOKEN_LIMIT} (${pages} pages), listingMaxAgeMs ${listingMaxAgeMs}; ` +
    `medians of ${runs} runs, node ${process.version}\n`,
);
const ms = (x: number) => x.toFixed(1).padStart(10);
console.log(
  `${'registry'.padEnd(18)}${'listing'.padEnd(30)}${'median ms'.padStart(10)}${'min ms'.padStart(10)}${'max ms'.padStart(10)}  ratio`,
);
for (const [name, f] of results) {
  const rows: [string, number[], number][] = [
    ['registry.listUnits() (base)', f.listUnits, median(f.listUnits)],
    [`GET /units, ${pages} pages`, f.apiUnits, median(f.listUnits)],
    ['registry.listUnitStates() (base)', f.listStates, median(f.listStates)],
    [`GET /state, ${pages} pages`, f.apiStates, median(f.listStates)],
  ];
  for (const [label, xs, base] of rows) {
    const m = median(xs);
    console.log(
      `${name.padEnd(18)}${label.padEnd(30)}${ms(m)}${ms(Math.min(...xs))}${ms(Math.max(...xs))}  ${(m / base).toFixed(1)}`,
    );
  }
}
