// systemd socket activation: a child fleetd gets a unix socket and a TCP socket as fds 3 and 4
// (LISTEN_FDS=2, LISTEN_PID=its own pid) and serves plain HTTP on both, or TLS on the TCP one
// when TLS is configured.
import { mkdtemp, rename, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, FleetClient } from '@fleet/client';
import { serviceOptions, TestPki } from '../testing/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const child = join(here, '..', 'testing', 'activated-fleetd.ts');
const packageDir = join(here, '..', '..');

let dir: string | undefined;
let proc: TrackedProcess | undefined;
afterEach(async () => {
  await proc?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function listening(
  server: net.Server,
  arg: { path: string } | { host: string; port: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(arg, () => resolve());
  });
}

/** The fd behind a listening net.Server (node keeps it on the handle). */
function fdOf(server: net.Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no fd on the listening handle');
  return fd;
}

/** Stands in for systemd: a unix and a TCP socket handed to a child fleetd as fds 3 and 4. */
async function activate(env: Record<string, string> = {}) {
  const d = await mkdtemp(join(tmpdir(), 'fleet-activation-'));
  dir = d;
  // Stand in for systemd: open the listening sockets...
  const unix = net.createServer();
  const tcp = net.createServer();
  await listening(unix, { path: join(d, 'handover.sock') });
  await listening(tcp, { host: '127.0.0.1', port: 0 });
  const port = (tcp.address() as net.AddressInfo).port;

  // ...start fleetd with them as fds 3 and 4; `sh` sets LISTEN_PID to the pid that `exec` keeps.
  proc = spawnTracked(
    'activated-fleetd',
    'sh',
    [
      '-c',
      'LISTEN_PID=$$ exec "$0" "$@"',
      process.execPath,
      '--conditions=source',
      '--import',
      'tsx',
      child,
    ],
    {
      cwd: packageDir,
      env: {
        ...process.env,
        ...env,
        LISTEN_FDS: '2',
        LISTEN_FDNAMES: env['LISTEN_FDNAMES'] ?? 'fleet.socket:fleet-tcp.socket',
      },
      stdio: ['ignore', 'pipe', 'pipe', fdOf(unix), fdOf(tcp)],
    },
  );
  const running = proc;
  const line = await waitFor(
    () =>
      running
        .log()
        .split('\n')
        .find((l) => l.startsWith('{')),
    {
      timeoutMs: 30_000,
      what: `the activated fleetd to start (output: ${running.log()})`,
    },
  );

  // ...and let go of them: only the child serves now. (Closing a unix server unlinks its
  // path, so the socket is moved to its final name first.)
  await rename(join(d, 'handover.sock'), join(d, 'fleet.sock'));
  await new Promise<void>((r) => unix.close(() => r()));
  await new Promise<void>((r) => tcp.close(() => r()));

  const report = JSON.parse(line) as {
    addresses: { kind: string; fd: number; tls: boolean; role?: string }[];
    listenFds: string | null;
  };
  return { running, report, port, dir: d };
}

describe('socket activation', () => {
  it('serves on every socket systemd passes, and not on any other', async () => {
    const { running, report, port, dir: d } = await activate();
    expect(report.addresses.map((a) => [a.kind, a.fd])).toEqual([
      ['activated', 3],
      ['activated', 4],
    ]);
    expect(report.listenFds).toBeNull();

    const overUnix = new FleetClient({ endpoint: `unix://${join(d, 'fleet.sock')}` });
    const overTcp = new FleetClient({ endpoint: `http://127.0.0.1:${port}` });
    try {
      await overUnix.createUnit({
        name: 'a.service',
        options: serviceOptions(),
        desiredState: 'loaded',
      });
      expect((await overTcp.listUnits()).map((u) => [u.name, u.desiredState])).toEqual([
        ['a.service', 'loaded'],
      ]);
    } finally {
      overUnix.close();
      overTcp.close();
    }

    await running.stop();
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });

  it('serves TLS with client certificates on a TCP socket when TLS is configured; the unix one stays plain', async () => {
    const pki = new TestPki();
    try {
      pki.issue('ops', 'ops');
      const { running, report, port, dir: d } = await activate({ FLEET_TEST_TLS_DIR: pki.dir });
      expect(report.addresses.map((a) => [a.fd, a.tls])).toEqual([
        [3, false],
        [4, true],
      ]);
      const plain = new FleetClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
      const noCert = new FleetClient({ endpoint: `https://127.0.0.1:${port}`, caFile: pki.ca });
      const ops = new FleetClient({
        endpoint: `https://127.0.0.1:${port}`,
        caFile: pki.ca,
        certFile: pki.path('ops.crt'),
        keyFile: pki.path('ops.key'),
      });
      const overUnix = new FleetClient({ endpoint: `unix://${join(d, 'fleet.sock')}` });
      try {
        await expect(plain.listUnits()).rejects.toThrow();
        await expect(noCert.listUnits()).rejects.toThrow(ConnectionError);
        expect(await ops.listUnits()).toEqual([]);
        expect(await overUnix.listUnits()).toEqual([]);
      } finally {
        for (const c of [plain, noCert, ops, overUnix]) c.close();
      }
      await running.stop();
    } finally {
      pki.remove();
    }
  });

  it('gives the read role to a socket its unit named read (FileDescriptorName=read); others stay admin', async () => {
    // units/fleet-read.socket: systemd creates the socket with its group and mode, so the
    // sandboxed fleetd needs no capability to chown one of its own.
    const {
      running,
      report,
      port,
      dir: d,
    } = await activate({
      LISTEN_FDNAMES: 'read:fleet-tcp.socket',
    });
    expect(report.addresses.map((a) => [a.fd, a.role ?? 'admin'])).toEqual([
      [3, 'read'],
      [4, 'admin'],
    ]);
    const reader = new FleetClient({ endpoint: `unix://${join(d, 'fleet.sock')}` });
    const admin = new FleetClient({ endpoint: `http://127.0.0.1:${port}` });
    try {
      await admin.createUnit({
        name: 'a.service',
        options: serviceOptions(),
        desiredState: 'loaded',
      });
      expect((await reader.listUnits()).map((u) => u.name)).toEqual(['a.service']);
      await expect(reader.destroyUnit('a.service')).rejects.toMatchObject({
        status: 403,
        message: 'permission denied: role read cannot DELETE units',
      });
      expect((await admin.listUnits()).map((u) => u.name)).toEqual(['a.service']);
    } finally {
      reader.close();
      admin.close();
    }
    await running.stop();
  });
});
