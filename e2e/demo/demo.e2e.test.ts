// `npm run demo` as a new user runs it: e2e/demo/demo.ts (what demo.sh runs after installing and
// building) boots its cluster and holds it; the test then checks what the demo promises. fleetd in
// every machine is the .deb's (no Node.js, no checkout there) and holds no listening TCP socket
// (the API is a unix socket, reached through SSH), the commands it prints work when pasted into a
// shell, its SSH key is in a root-only directory, and Ctrl-C (SIGTERM) leaves nothing behind.
import { request } from 'node:https';
import { connect } from 'node:net';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { isAlive, processId, run, type ProcessId } from '../src/index.js';
import { projectDir } from '../src/project.js';
import { onLines, tail } from '../src/run.js';
import { commandLine, descendants, listeners } from './sockets.js';

const ROOT = projectDir();
const MACHINES = 3;
/** The port the demo used to serve fleet's API on, in plain HTTP, on every machine's address. */
const OLD_API_PORT = 49153;

let demo: TrackedProcess | undefined;
const stdout: string[] = [];
let holding = false;
/** The clean environment a user's new shell would give the printed commands. */
let home = '';

/** What the demo printed on stdout. */
const printed = (): string => stdout.join('\n');

/** The first run of `  `-indented lines after the line that holds `heading`, unindented. */
function block(heading: string): string[] {
  const at = stdout.findIndex((l) => l.includes(heading));
  if (at === -1) throw new Error(`the demo printed no "${heading}" line:\n${printed()}`);
  const out: string[] = [];
  for (const l of stdout.slice(at + 1)) {
    if (l.startsWith('  ')) out.push(l.slice(2));
    else if (out.length > 0) break;
  }
  return out;
}

/** The address of every machine, from the demo's `fleet demo: N machines (node1 ADDR, …)` line. */
function machineAddresses(): string[] {
  const line = stdout.find((l) => l.startsWith('fleet demo: ')) ?? '';
  return [...line.matchAll(/node\d+ (127\.\d+\.\d+\.\d+)/g)].map((m) => m[1] ?? '');
}

/** The processes of the demo's machines that run fleetd. */
async function fleetds(): Promise<number[]> {
  if (demo === undefined) throw new Error('the demo did not start');
  const out: number[] = [];
  for (const pid of await descendants(demo.pid)) {
    // fleetd names itself (process.title), which replaces its command line.
    const cmd = await commandLine(pid);
    if (cmd === 'fleetd') out.push(pid);
  }
  return out;
}

/** Resolves `true` if something accepts a TCP connection on `host:port`, `false` if refused. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(false);
      else reject(err);
    });
  });
}

/** etcd's client URL, from the demo's `…, etcd on URL` line. */
function etcdUrl(): string {
  const line = stdout.find((l) => l.startsWith('fleet demo: ')) ?? '';
  return / etcd on (\S+)$/.exec(line)?.[1] ?? '';
}

/** etcd's answer to `GET /version` over TLS without a client certificate: a status or an error. */
function versionWithoutCertificate(url: string): Promise<number | Error> {
  return new Promise((resolve) => {
    // The server's certificate is not what is tested here: only that etcd wants the client's.
    const req = request(`${url}/version`, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('no answer')));
    req.once('error', resolve);
    req.end();
  });
}

/** Runs shell text as a user pasting it would: bash, in the checkout, with a fresh environment. */
function shell(script: string): ReturnType<typeof run> {
  return run('bash', ['-O', 'expand_aliases', '-e', '-s'], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: home },
    stdin: `cd ${ROOT}\n${script}\n`,
    timeoutMs: 120_000,
  });
}

describe('the demo (npm run demo)', () => {
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'fleet-demo-home-'));
    demo = spawnTracked('demo', process.execPath, ['--import', 'tsx', 'e2e/demo/demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, GRPC_VERBOSITY: 'NONE' },
    });
    onLines(demo.child.stdout, (l) => stdout.push(l));
    onLines(demo.child.stderr, (l) => {
      if (l.includes('holding the cluster')) holding = true;
    });
    const d = demo;
    await waitFor(
      () => {
        if (!d.running) throw new Error(`the demo exited:\n${tail(d.log(), 40)}`);
        return holding && stdout.some((l) => l.startsWith('To take it down'));
      },
      { timeoutMs: 540_000, intervalMs: 500, what: 'the demo to hold its cluster' },
    );
  });

  afterAll(async () => {
    await demo?.stop(120_000);
    if (home !== '') await rm(home, { recursive: true, force: true });
  });

  it("runs the .deb's fleetd, in machines with neither Node.js nor the checkout", async () => {
    const pids = await fleetds();
    expect(pids).toHaveLength(MACHINES);
    for (const pid of pids) {
      // The machine's files as the host sees them: the process' root.
      const root = `/proc/${pid}/root`;
      const exe = statSync(`/proc/${pid}/exe`);
      const fleet = statSync(`${root}/usr/bin/fleet`);
      expect([exe.dev, exe.ino], `fleetd (pid ${pid}) runs /usr/bin/fleet`).toEqual([
        fleet.dev,
        fleet.ino,
      ]);
      for (const path of [
        '/usr/bin/node',
        '/usr/local/bin/node',
        '/usr/bin/nodejs',
        '/opt/fleet',
      ]) {
        expect(existsSync(`${root}${path}`), `${path} in the machine of fleetd ${pid}`).toBe(false);
      }
    }
  });

  it('runs fleetd without any TCP listener: the API is only a unix socket in each machine', async () => {
    const pids = await fleetds();
    expect(pids).toHaveLength(MACHINES);
    for (const pid of pids) {
      const l = await listeners(pid);
      expect(l.tcp, `fleetd (pid ${pid}) listens on TCP`).toEqual([]);
      // The same reading sees the socket it serves on, so an empty TCP list means something.
      expect(l.unix.length, `fleetd (pid ${pid}) holds no listening unix socket`).toBeGreaterThan(
        0,
      );
    }
    const addresses = machineAddresses();
    expect(addresses).toHaveLength(MACHINES);
    for (const a of addresses)
      expect(await accepts(a, OLD_API_PORT), `${a}:${OLD_API_PORT}`).toBe(false);
    expect(printed()).not.toMatch(/--endpoint|http:\/\/127\.0\.0\.1\d/);
  });

  it("serves etcd over TLS to clients with a certificate from etcd's CA only", async () => {
    const url = etcdUrl();
    expect(url, printed()).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await versionWithoutCertificate(url);
    expect(answer).toBeInstanceOf(Error);
    // Refused for want of a certificate (TLS alert 42), not for any other reason.
    expect(String(answer)).toMatch(/certificate/i);
  });

  it('prints a fleetctl command that works as pasted (through SSH to the unix socket)', async () => {
    const cmd = block('From another terminal').find((l) => l.includes(' --tunnel '));
    expect(cmd, printed()).toBeDefined();
    const r = await shell(cmd ?? '');
    expect(r.code, r.stderr).toBe(0);
    for (const u of ['hello.service', 'global-heartbeat.service', 'web@1.service']) {
      expect(r.stdout).toContain(u);
    }
  });

  it('prints a shell set-up (FLEETCTL_TUNNEL and friends) whose commands all work', async () => {
    const setup = block('Or set it up once');
    expect(setup.join('\n')).toMatch(/^export FLEETCTL_TUNNEL=127\./m);
    const r = await shell(setup.join('\n'));
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    // list-machines: every machine, by its address.
    for (const a of machineAddresses()) expect(r.stdout).toContain(a);
    // status: systemctl status of hello.service, on its machine, through the tunnel.
    expect(r.stdout).toMatch(/hello\.service[\s\S]*Active: active/);
  });

  it('keeps its SSH key in a root-only directory and removes everything on SIGTERM', async () => {
    const key = block('Or set it up once')
      .find((l) => l.startsWith('export FLEETCTL_IDENTITY_FILE='))
      ?.slice('export FLEETCTL_IDENTITY_FILE='.length);
    expect(key, printed()).toBeDefined();
    const dir = dirname(key ?? '');
    const s = statSync(dir);
    expect(s.uid).toBe(0);
    expect((s.mode & 0o777).toString(8)).toBe('700');

    if (demo === undefined) throw new Error('the demo did not start');
    const started: ProcessId[] = [];
    for (const pid of await descendants(demo.pid)) {
      const id = await processId(pid);
      if (id !== undefined) started.push(id);
    }
    expect(started.length).toBeGreaterThan(MACHINES);
    demo.signal('SIGTERM');
    const { code } = await demo.exited;
    expect(code, tail(demo.log(), 20)).toBe(130);
    expect(demo.log()).toContain('done, nothing left running');
    expect(existsSync(dir)).toBe(false);
    // A process killed at the very end of the teardown may take a moment to be reaped.
    await waitFor(
      async () => {
        for (const p of started) if (await isAlive(p)) return false;
        return true;
      },
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: "every process of the demo's cluster to be gone",
      },
    );
  });
});
