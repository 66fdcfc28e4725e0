// The one-command demo (`npm run demo`, i.e. e2e/demo/demo.sh, which installs and builds first):
//   node --import tsx e2e/demo/demo.ts [--once] [--machines 3]
// Builds fleet's .deb from this checkout (`npm run package`; cached while the sources stay the
// same), boots etcd and 3 systemd-nspawn machines and installs the .deb in each with dpkg, as a
// user would: no Node.js and no checkout in the machines (`DemoCluster`: fleet's
// API on each machine's unix socket only, no TCP listener; etcd on TLS, for clients with a
// certificate from its own CA only), starts the example units of units/examples/ with the compiled
// fleetctl through an SSH tunnel to node1 (`--tunnel`, as root, with the run's key and known_hosts,
// kept in a 0700 directory), prints `fleetctl list-machines` and `fleetctl list-units`, and says
// how to use fleetctl against the cluster the same way. Then it holds the cluster in the foreground
// until SIGINT/SIGTERM/SIGHUP, which tear everything down (machines, etcd, temporary files);
// `--once` tears down right after printing.
// Needs root and a built checkout.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitFor } from '@fleet/testkit';
import { ensureRootfs, fleetDeb, run } from '../src/index.js';
import { projectDir } from '../src/project.js';
import { DemoCluster, type TunnelSettings } from './demo-cluster.js';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    machines: { type: 'string', default: '3' },
  },
});
const once = values.once;
const machineCount = Number(values.machines);
const ROOT = projectDir();
const FLEETCTL = join(ROOT, 'packages/fleetctl/dist/main.js');
const EXAMPLES = 'units/examples';
const started = performance.now();
// fleetctl is given paths relative to the checkout (units/examples/...), as a user would type them.
process.chdir(ROOT);

/** Progress on stderr, so that stdout holds only what fleetctl printed and the instructions. */
const say = (line: string): void => {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[demo ${s}s] ${line}\n`);
};

if (process.getuid?.() !== 0) {
  console.error('demo: run as root (it boots systemd-nspawn machines); `npm run demo` does it all');
  process.exit(2);
}
if (!Number.isInteger(machineCount) || machineCount < 1 || machineCount > 9) {
  console.error('demo: --machines must be 1..9');
  process.exit(2);
}
for (const f of ['packages/fleetd/dist/main.js', 'packages/fleetctl/dist/main.js']) {
  if (!existsSync(join(ROOT, f))) {
    console.error(`demo: ${f} is missing: build first (\`npx tsc -b\`, or \`npm run demo\`)`);
    process.exit(2);
  }
}

// Shutdown. While the rootfs and the .deb are built nothing of ours runs but debootstrap or
// `npm run package`, tracked processes killed when we exit (half-built results are removed by the
// next build). While the cluster boots there
// is no handle to tear down yet, so a signal then is acted on as soon as `Cluster.start` returns;
// a second signal exits at once (the harness' guards still stop the machines and remove their
// files; etcd, a tracked process, is killed on exit, but its data directory stays).
let phase: 'prepare' | 'boot' | 'up' = 'prepare';
let cluster: DemoCluster | undefined;
let pendingSignal: NodeJS.Signals | undefined;
let stopping: Promise<void> | undefined;

function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    const c = cluster;
    if (c !== undefined) {
      say('tearing down: machines, etcd, temporary files');
      await c.teardown().catch((err: unknown) => {
        console.error('demo: teardown:', err);
        code = code === 0 ? 1 : code;
      });
      say('done, nothing left running');
    }
    process.exit(code);
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping !== undefined) {
    say(`${signal}: already tearing down, please wait`);
  } else if (phase === 'prepare') {
    say(`${signal}: stopping the build`);
    process.exit(130);
  } else if (phase === 'boot') {
    if (pendingSignal !== undefined) {
      say(`${signal} again: exiting now (the harness' guards stop the machines; etcd's data`);
      say('directory /tmp/fleet-etcd-* may be left behind)');
      process.exit(130);
    }
    pendingSignal = signal;
    say(`${signal}: will tear down as soon as the cluster has booted (again to exit at once)`);
  } else {
    say(`${signal}`);
    void shutdown(130);
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

/** fleetctl's global flags that reach the cluster through the SSH tunnel. */
function tunnelFlags(t: TunnelSettings): string[] {
  return [
    '--tunnel',
    t.via.address,
    '--ssh-username',
    'root',
    '-i',
    t.identityFile,
    '--known-hosts-file',
    t.knownHostsFile,
  ];
}

/**
 * The environment of the demo's own fleetctl runs: ours without FLEETCTL_* (a FLEETCTL_ENDPOINT left
 * in the shell would override the default socket) and without an ssh-agent (its keys would be
 * offered before the demo's and could use up sshd's MaxAuthTries).
 */
function fleetctlEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('FLEETCTL_') && k !== 'SSH_AUTH_SOCK',
    ),
  );
}

/** The compiled fleetctl through the cluster's SSH tunnel, run in the checkout. */
async function fleetctl(t: TunnelSettings, args: readonly string[], echo = true): Promise<string> {
  if (echo) console.log(`\n$ fleetctl ${args.join(' ')}`);
  const r = await run(process.execPath, [FLEETCTL, ...tunnelFlags(t), ...args], {
    timeoutMs: 120_000,
    env: fleetctlEnv(),
  });
  const out = r.stdout + r.stderr;
  if (echo) process.stdout.write(out);
  if (r.code !== 0) throw new Error(`fleetctl ${args.join(' ')} exited ${String(r.code)}`);
  return out;
}

/** Every example unit and how many machines should run it once started. */
function expectedUnits(): Map<string, number> {
  const units = new Map<string, number>([
    ['hello.service', 1],
    ['global-heartbeat.service', machineCount],
    ['db-primary.service', 1],
    ['db-replica.service', machineCount > 1 ? 1 : 0],
  ]);
  // web@N conflict with each other: one per machine.
  for (let i = 1; i <= machineCount; i++) units.set(`web@${i}.service`, 1);
  return units;
}

async function waitAllActive(c: DemoCluster, expected: Map<string, number>): Promise<void> {
  await waitFor(
    async () => {
      const { items } = await c.registry.listUnitStates();
      for (const [unit, n] of expected) {
        const active = items.filter((s) => s.unit === unit && s.activeState === 'active').length;
        if (active < n) return false;
      }
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: 'every example unit to be active' },
  );
}

async function main(): Promise<void> {
  say('root filesystem for the machines (built once with debootstrap, about a minute; cached)');
  await ensureRootfs();
  say("fleet's .deb from this checkout (npm run package, about half a minute; cached)");
  const deb = await fleetDeb();
  phase = 'boot';
  say(`booting etcd and ${machineCount} systemd-nspawn machines; dpkg -i ${deb} in each`);
  cluster = await DemoCluster.start(machineCount);
  phase = 'up';
  if (pendingSignal !== undefined) return shutdown(130);
  const c = cluster;
  const t = c.tunnel;
  say(
    `cluster up: etcd ${c.etcd.endpoints.join(',')}, fleet API on each machine's unix socket, reached through ssh root@${t.via.address}`,
  );
  // As every etcd under fleet should: compacting, under a quota (the README's etcd section gives
  // production values; this one keeps a minute of history, so a demo sees it compact).
  say(`etcd runs with ${c.etcd.flags}`);

  const expected = expectedUnits();
  const startable = [...expected].filter(([, n]) => n > 0).map(([u]) => u);
  say('submitting and starting the example units');
  await fleetctl(t, ['submit', `${EXAMPLES}/web@.service`]);
  await fleetctl(t, ['start', ...startable.map((u) => `${EXAMPLES}/${u}`)]);
  say('waiting until every example unit (the global one on every machine) is active');
  await waitAllActive(c, expected);
  await fleetctl(t, ['list-machines']);
  await fleetctl(t, ['list-units']);
  instructions(c);

  if (once) {
    say('--once: tearing down');
    return shutdown(0);
  }
  say(`holding the cluster; Ctrl-C (or kill -TERM ${process.pid}) tears it all down`);
  // Timers keep the process alive; the signal handlers end it.
  setInterval(() => undefined, 1 << 30);
}

function instructions(c: DemoCluster): void {
  const t = c.tunnel;
  // This Node (the project's Node 24), by its path: another terminal's `node` may be another one.
  const cmd = `${process.execPath} ${FLEETCTL}`;
  const lines = [
    '',
    `fleet demo: ${c.nodes.length} machines (${c.nodes.map((n) => `${n.name} ${n.address}`).join(', ')}), etcd on ${c.etcd.endpoints.join(',')}`,
    '(TLS, only for clients with a certificate from its own CA: the machines have one).',
    '',
    "fleet's API listens only on each machine's unix socket (no TCP port). fleetctl reaches it",
    `through SSH as root to ${t.via.name}, with the demo's key and known_hosts in ${c.keyDir}`,
    '(readable by root only, removed with the demo). From another terminal, as root:',
    `  ${cmd} ${tunnelFlags(t).join(' ')} list-units`,
    '',
    'Or set it up once in that shell (the SSH settings also serve status, journal and ssh):',
    `  cd ${ROOT}`,
    `  alias fleetctl='${cmd}'`,
    '  unset FLEETCTL_ENDPOINT',
    `  export FLEETCTL_TUNNEL=${t.via.address} FLEETCTL_SSH_USERNAME=root`,
    `  export FLEETCTL_IDENTITY_FILE=${t.identityFile}`,
    `  export FLEETCTL_KNOWN_HOSTS_FILE=${t.knownHostsFile}`,
    '  fleetctl list-machines',
    '  fleetctl status hello.service',
    '  fleetctl journal -n 5 web@1.service',
    `  fleetctl destroy hello.service && fleetctl start ${EXAMPLES}/hello.service`,
    '',
    once
      ? 'Taking it down now (--once).'
      : `To take it down: Ctrl-C here (or kill -TERM ${process.pid}); nothing is left behind.`,
    '',
  ];
  console.log(lines.join('\n'));
}

try {
  await main();
} catch (err) {
  if (stopping === undefined) {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}
