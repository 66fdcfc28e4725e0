// What the `fleet` executable costs against the checkout, measured in one run:
//   npm run bench:package [-- --runs 20] [-- --no-rss]
// - startup: exec→exit of `fleet fleetctl version`, of `node -e 0` (the same Node 24, the floor)
//   and of the checkout's bin/fleetctl version under that Node, `--runs` of each, interleaved;
// - idle fleetd VmRSS: one systemd-nspawn machine (the e2e harness; root), fleet.service started
//   from the checkout (packages/fleetd/dist/main.js under Node 24) and from the executable, in
//   turn, twice each, each time registered and idle for 10 s, then the median of 5 samples.
// Needs `npm run build` (the checkout's programs) and `npm run package` (dist-package/fleet).
// Run under Node 24 (the npm script puts scripts/node24.sh's on PATH): the machine gets this
// process's node for the checkout's fleetd.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EtcdCluster, sleep, waitFor } from '@fleet/testkit';
import {
  bootMachines,
  fleetClient,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from '../../e2e/src/index.js';
import { projectDir } from '../../e2e/src/project.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, 'no-rss': { type: 'boolean' } },
});
const RUNS = Number(values.runs);
const ROOT = projectDir();
const EXE = join(ROOT, 'dist-package/fleet');
const FLEETCTL = join(ROOT, 'bin/fleetctl');
const FLEETD_MAIN = join(ROOT, 'packages/fleetd/dist/main.js');
const PREFIX = '/fleet-package-bench/';

for (const [file, how] of [
  [EXE, 'npm run package'],
  [FLEETD_MAIN, 'npm run build'],
  [join(ROOT, 'packages/fleetctl/dist/fleetctl.cjs'), 'npm run build'],
] as const) {
  if (!existsSync(file)) {
    console.error(`package-bench: ${file} is missing: run \`${how}\` first`);
    process.exit(2);
  }
}
if (!process.version.startsWith('v24.')) {
  console.error(`package-bench: run under Node 24, not ${process.version}: npm run bench:package`);
  process.exit(2);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

/** exec→exit of one run in ms; throws unless it exits 0 printing `expect`. */
function timed(file: string, args: readonly string[], expect: string): number {
  const env = { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 || r.stdout !== expect) {
    throw new Error(`package-bench: ${file} ${args.join(' ')}: ${r.status} ${r.stdout}${r.stderr}`);
  }
  return ms;
}

function startup(version: string): void {
  const line = `fleetctl version ${version}\n`;
  const cases = [
    { what: 'node -e 0 (Node 24, the floor)', file: process.execPath, args: ['-e', '0'], out: '' },
    { what: 'fleet fleetctl version', file: EXE, args: ['fleetctl', 'version'], out: line },
    { what: 'bin/fleetctl version (checkout)', file: FLEETCTL, args: ['version'], out: line },
  ];
  for (const c of cases) timed(c.file, c.args, c.out); // warm the page cache
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    cases.forEach((c, k) => times[k]?.push(timed(c.file, c.args, c.out)));
  }
  const floor = median(times[0] ?? []);
  const exe = median(times[1] ?? []);
  console.log(`startup, exec→exit, median of ${RUNS} (interleaved)`);
  cases.forEach((c, k) => {
    const ms = median(times[k] ?? []);
    const ratio = k === 0 ? '' : `  x${(ms / floor).toFixed(2)} of node -e 0`;
    const vsExe = k === 2 ? `, x${(ms / exe).toFixed(2)} of the executable` : '';
    console.log(`  ${c.what.padEnd(36)}${ms.toFixed(1).padStart(7)} ms${ratio}${vsExe}`);
  });
}

/** VmRSS of fleet.service's main process in KiB, median of 5 samples 0.5 s apart. */
async function rssKiB(m: NspawnMachine): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const pid = await unitProperty(m, 'fleet.service', 'MainPID');
    const line = await sh(m, `grep VmRSS /proc/${pid}/status`);
    samples.push(Number(/VmRSS:\s+(\d+)\s+kB/.exec(line)?.[1]));
    await sleep(500);
  }
  return median(samples);
}

/** fleet.service running `execStart`, registered, idle 10 s: its VmRSS; then stopped. */
async function idleRss(m: NspawnMachine, execStart: string): Promise<number> {
  await sh(
    m,
    [
      'mkdir -p /etc/systemd/system/fleet.service.d',
      // ProtectHome=no for both: the checkout's Node 24 is under /root/.cache.
      `printf '[Service]\\nProtectHome=no\\nExecStart=\\nExecStart=%s\\n' '${execStart}' > /etc/systemd/system/fleet.service.d/bench.conf`,
      'systemctl daemon-reload',
      'systemctl start fleet.service',
    ].join('\n'),
  );
  const api = fleetClient(m);
  try {
    await waitFor(async () => (await api.listMachines().catch(() => [])).length === 1, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `fleetd (${execStart}) to register`,
    });
    await sleep(10_000);
    return await rssKiB(m);
  } catch (err) {
    const journal = await m.exec('journalctl', ['-u', 'fleet.service', '-n', '20', '--no-pager']);
    throw new Error(`${(err as Error).message}\n${journal.stdout}`, { cause: err });
  } finally {
    api.close();
    await sh(m, 'systemctl stop fleet.service', 120_000);
  }
}

async function rss(): Promise<void> {
  let etcd: EtcdCluster | undefined;
  let machines: Machines | undefined;
  try {
    etcd = await EtcdCluster.start({ members: 1 });
    machines = await bootMachines(1);
    const m = machines.get('node1');
    const root = `/proc/${m.initProcess?.pid ?? 0}/root`;
    copyFileSync(EXE, `${root}/usr/local/bin/fleet`);
    const conf = [
      `etcd_servers=${etcd.endpoints.join(',')}`,
      `etcd_key_prefix=${PREFIX}`,
      `public_ip=${m.address}`,
    ].join('\n');
    await sh(
      m,
      [
        'chmod 0755 /usr/local/bin/fleet && ln -s fleet /usr/local/bin/fleetd',
        `mkdir -p /etc/fleet && cat > /etc/fleet/fleet.conf <<'CONF'\n${conf}\nCONF`,
        'cp /opt/fleet/units/fleet.socket /opt/fleet/units/fleet.service /etc/systemd/system/',
        'systemctl daemon-reload && systemctl start fleet.socket',
      ].join('\n'),
    );
    const variants = [
      {
        what: 'checkout (node dist/main.js)',
        exec: `${process.execPath} /opt/fleet/packages/fleetd/dist/main.js`,
      },
      { what: 'executable (fleetd -> fleet)', exec: '/usr/local/bin/fleetd' },
    ];
    const kib = variants.map(() => [] as number[]);
    for (let round = 0; round < 2; round++) {
      for (const [k, v] of variants.entries()) kib[k]?.push(await idleRss(m, v.exec));
    }
    const base = median(kib[0] ?? []);
    console.log('idle fleetd VmRSS (registered, 0 units; median of 5 samples, 2 starts each)');
    variants.forEach((v, k) => {
      const x = median(kib[k] ?? []);
      const runs = (kib[k] ?? []).map((y) => (y / 1024).toFixed(1)).join(', ');
      const ratio = k === 0 ? '' : `  x${(x / base).toFixed(2)} of the checkout`;
      console.log(
        `  ${v.what.padEnd(36)}${(x / 1024).toFixed(1).padStart(7)} MiB (${runs})${ratio}`,
      );
    });
  } finally {
    await machines?.teardown();
    await etcd?.stop();
  }
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const size = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MiB`;
console.log(`dist-package/fleet: ${size(EXE)}`);
startup(pkg.version);
if (values['no-rss'] !== true) await rss();
