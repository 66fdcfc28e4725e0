// `fleetctl start --no-block` of many unit files, in-process against the test harness (the real
// API over an InMemoryRegistry on a unix socket, each request answered after a delay standing for
// the network's latency). Prints the median wall time of a few runs, each on a fresh API. Not a
// test: figures only. Compare revisions by running it on each.
//   npx tsx packages/fleetctl/bench/batch-bench.ts [--units N] [--runs N] [--latency-ms N]
import { parseArgs } from 'node:util';
import type { ApiHandler } from '@fleet/api';
import { Harness } from '../src/testing/harness.js';

const { values } = parseArgs({
  options: {
    units: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    'latency-ms': { type: 'string', default: '0' },
  },
});
const UNITS = Number(values.units);
const RUNS = Number(values.runs);
const LATENCY = Number(values['latency-ms']);

const delayed =
  (api: ApiHandler): ApiHandler =>
  (req, res) => {
    if (LATENCY <= 0) api(req, res);
    else setTimeout(() => api(req, res), LATENCY);
  };

async function once(): Promise<number> {
  const h = await Harness.start(delayed);
  try {
    const files: string[] = [];
    for (let i = 0; i < UNITS; i++) {
      const name = `u${i}.service`;
      await h.file(name, '[Service]\nExecStart=/bin/sleep 1000\n');
      files.push(name);
    }
    const t0 = performance.now();
    const r = await h.fleetctl(['start', '--no-block', ...files]);
    const ms = performance.now() - t0;
    if (r.code !== 0) throw new Error(`start failed: ${r.stderr}`);
    return ms;
  } finally {
    await h.close();
  }
}

const times: number[] = [];
for (let i = 0; i < RUNS; i++) times.push(await once());
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)] ?? 0;
console.log(
  `start --no-block of ${UNITS} units, latency ${LATENCY} ms: median ${median.toFixed(0)} ms of ${RUNS} runs (${times.map((t) => t.toFixed(0)).join(' ')})`,
);
