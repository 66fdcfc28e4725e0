// fleetctl on many unit files, in-process against the test harness (the real API over an
// InMemoryRegistry on a unix socket, each request answered after a delay standing for the
// network's latency). `start` times `start --no-block` of N new unit files; `destroy` first
// starts them (a fake engine and agents place and run them on one machine), then times a
// blocking `destroy` while the fake cluster unloads them. Prints the median wall time of a few
// runs, each on a fresh API, and the requests of the last run. `--others N` puts N more units
// in the cluster first (fleet's listings are pages of 100). Not a test: figures only.
//   npx tsx packages/fleetctl/bench/batch-bench.ts [--command start|destroy] [--units N]
//     [--others N] [--runs N] [--latency-ms N]
import { parseArgs } from 'node:util';
import type { ApiHandler } from '@fleet/api';
import { FakeCluster } from '../src/testing/fake-cluster.js';
import { Harness, M1 } from '../src/testing/harness.js';

const { values } = parseArgs({
  options: {
    command: { type: 'string', default: 'start' },
    units: { type: 'string', default: '100' },
    others: { type: 'string', default: '0' },
    runs: { type: 'string', default: '5' },
    'latency-ms': { type: 'string', default: '0' },
  },
});
const COMMAND = values.command;
const UNITS = Number(values.units);
const OTHERS = Number(values.others);
const RUNS = Number(values.runs);
const LATENCY = Number(values['latency-ms']);
if (COMMAND !== 'start' && COMMAND !== 'destroy') throw new Error('--command: start or destroy');

let requests = 0;
const delayed =
  (api: ApiHandler): ApiHandler =>
  (req, res) => {
    requests++;
    if (LATENCY <= 0) api(req, res);
    else setTimeout(() => api(req, res), LATENCY);
  };

async function once(): Promise<number> {
  const h = await Harness.start(delayed);
  const cluster = new FakeCluster(h, { machines: [M1.id] });
  try {
    await h.machine(M1);
    for (let i = 0; i < OTHERS; i++) {
      await h.registry.createUnit({
        name: `other${i}.service`,
        options: [],
        desiredState: 'loaded',
      });
    }
    const files: string[] = [];
    for (let i = 0; i < UNITS; i++) {
      const name = `u${i}.service`;
      await h.file(name, '[Service]\nExecStart=/bin/sleep 1000\n');
      files.push(name);
    }
    let argv = ['start', '--no-block', ...files];
    if (COMMAND === 'destroy') {
      const r = await h.fleetctl(argv);
      if (r.code !== 0) throw new Error(`start failed: ${r.stderr}`);
      await cluster.reconcile();
      cluster.start(5);
      argv = ['destroy', ...files];
    }
    requests = 0;
    const t0 = performance.now();
    const r = await h.fleetctl(argv);
    const ms = performance.now() - t0;
    if (r.code !== 0) throw new Error(`${COMMAND} failed: ${r.stderr}`);
    return ms;
  } finally {
    await cluster.stop();
    await h.close();
  }
}

const times: number[] = [];
for (let i = 0; i < RUNS; i++) times.push(await once());
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
const what = COMMAND === 'start' ? 'start --no-block' : 'destroy (blocking)';
console.log(
  `${what} of ${UNITS} units (${OTHERS} others), latency ${LATENCY} ms: median ${median.toFixed(0)} ms of ${RUNS} runs (${times.map((t) => t.toFixed(0)).join(' ')}), ${requests} requests in the last`,
);
