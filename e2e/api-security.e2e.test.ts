// The API's doors on a real machine (issue 16): a plain listener beyond loopback refuses to start
// in one line; with TLS a request without a certificate fails, a `read` certificate lists but
// `fleetctl start` gets the permission line, a revoked certificate is refused at the handshake;
// a forged Host is refused on a plain listener; 1,000 slow connections do not keep the API from
// answering. Certificates are made at test time.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestPki } from '@fleet/api/testing';
import { ConnectionError, FleetClient } from '@fleet/client';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootMachines,
  fleetClient,
  installFleet,
  runFleetctl,
  sh,
  type Machines,
  type NspawnMachine,
} from './src/index.js';

const PREFIX = '/fleet-api-security/';
const PORT = 49153;

describe('the API on a real machine: TLS, roles, revocation, Host checks', () => {
  let etcd: EtcdCluster;
  let machines: Machines;
  let m: NspawnMachine;
  let api: FleetClient;
  let pki: TestPki;
  let home: string;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    machines = await bootMachines(1);
    m = machines.get('node1');
    home = await mkdtemp(join(tmpdir(), 'fleet-api-security-'));
    pki = new TestPki(home, `IP:${m.address}`);
    pki.issue('ops', 'ops');
    pki.issue('monitor', 'monitor');
    pki.issue('former', 'ops');
    pki.revoke('former');
    await installFleet(m, { etcdUrl: etcd.endpoints[0] ?? '', prefix: PREFIX });
    api = fleetClient(m);
    // The PEM files in the machine, as an operator installs them.
    const put = (name: string) =>
      `cat > /etc/fleet/${name} <<'PEM'\n${readFileSync(pki.path(name), 'utf8').trim()}\nPEM`;
    await sh(
      m,
      [
        'mkdir -p /etc/fleet',
        put('ca.crt'),
        put('ca.crl'),
        put('server.crt'),
        put('server.key'),
        'chmod 0600 /etc/fleet/server.key',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    api?.close();
    await machines?.teardown();
    await etcd?.stop();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  const now = async () => (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
  const journal = async (since: string) =>
    sh(m, `journalctl -u fleet.service --since "${since}" --no-pager -o cat`);

  async function restartWith(extra: readonly string[]): Promise<string> {
    const since = await now();
    const conf = [
      `etcd_servers=${etcd.endpoints[0] ?? ''}`,
      `etcd_key_prefix=${PREFIX}`,
      `public_ip=${m.address}`,
      'agent_ttl=5s',
      ...extra,
    ];
    await sh(
      m,
      [
        `cat > /etc/fleet/fleet.conf <<'CONF'\n${conf.join('\n')}\nCONF`,
        'systemctl reset-failed fleet.service || true',
        'systemctl restart fleet.service',
      ].join('\n'),
      120_000,
    );
    return since;
  }

  const serving = () =>
    waitFor(async () => (await api.listMachines().catch(() => [])).length === 1, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the API over the unix socket',
    });

  it('refuses a plain listener on every interface: one line naming the options, exit 78', async () => {
    const since = await restartWith([`listen_tcp=:${PORT}`]);
    const prop = async () =>
      (await sh(m, 'systemctl show -p ActiveState,ExecMainStatus fleet.service'))
        .trim()
        .split('\n')
        .sort();
    await waitFor(async () => (await prop()).includes('ActiveState=failed'), {
      timeoutMs: 30_000,
      what: 'fleet.service to fail on the refused configuration',
    });
    expect(await prop()).toEqual(['ActiveState=failed', 'ExecMainStatus=78']);
    const said = (await journal(since)).split('\n').filter((l) => l.startsWith('fleetd: '));
    expect(said).toEqual([
      `fleetd: listen_tcp=:${PORT} would serve the API without authentication beyond loopback: set tls_cert_file, tls_key_file and tls_ca_file (clients then need certificates), or insecure_listen_tcp=true`,
    ]);
  });

  describe('with TLS, roles and a CRL', () => {
    const endpoint = () => `https://${m.address}:${PORT}`;
    const as = (name: string) => [
      '--endpoint',
      endpoint(),
      '--ca-file',
      pki.ca,
      '--cert-file',
      pki.path(`${name}.crt`),
      '--key-file',
      pki.path(`${name}.key`),
    ];

    beforeAll(async () => {
      await restartWith([
        `listen_tcp=${m.address}:${PORT}`,
        'tls_cert_file=/etc/fleet/server.crt',
        'tls_key_file=/etc/fleet/server.key',
        'tls_ca_file=/etc/fleet/ca.crt',
        'tls_crl_file=/etc/fleet/ca.crl',
        'tls_admin_subjects=CN=ops',
        'tls_read_subjects=CN=monitor',
      ]);
      await serving();
    });

    it('refuses a client without a certificate', async () => {
      const c = new FleetClient({ endpoint: endpoint(), caFile: pki.ca, timeoutMs: 10_000 });
      try {
        expect(await c.listUnits().catch((e: unknown) => e)).toBeInstanceOf(ConnectionError);
      } finally {
        c.close();
      }
    });

    it('lets a read certificate list, and `fleetctl start` fails with the permission line', async () => {
      const list = await runFleetctl(home, [...as('monitor'), 'list-machines', '--no-legend']);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(m.machineId.slice(0, 8));
      const unit = join(home, 'hello.service');
      await writeFile(unit, '[Service]\nExecStart=/bin/sleep 1000\n');
      const start = await runFleetctl(home, [...as('monitor'), 'start', '--no-block', unit]);
      expect(start).toMatchObject({
        code: 1,
        stdout: '',
        stderr: 'permission denied: role read cannot PUT units\n',
      });
      expect(await api.getUnit('hello.service')).toBeUndefined();
      const admin = await runFleetctl(home, [...as('ops'), 'submit', unit]);
      expect(admin.code, admin.stderr).toBe(0);
      expect(await api.getUnit('hello.service')).toBeDefined();
    });

    it('refuses a revoked certificate at the handshake', async () => {
      const r = await runFleetctl(home, [...as('former'), 'list-units']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^[^\n]*cannot reach the fleet API at https:[^\n]*\n$/);
    });
  });

  it('refuses a forged Host on a plain loopback listener, and serves its own', async () => {
    await restartWith([`listen_tcp=${m.address}:${PORT}`]);
    await serving();
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get(
            { host: m.address, port: PORT, path: '/fleet/v1/machines', headers: { Host: host } },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (d: string) => (body += d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          )
          .on('error', reject);
      });
    const forged = await get(`attacker.example:${PORT}`);
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toEqual({
      error: {
        code: 403,
        message: `forbidden: Host "attacker.example:${PORT}" is not this machine (allowed: loopback, IP addresses, localhost and the configured host names)`,
      },
    });
    expect((await get(`${m.address}:${PORT}`)).status).toBe(200);
  });

  it('serves a read-only unix socket beside the admin one, from fleet-read.socket, in its group', async () => {
    // The .deb brings the group and the socket unit; the socket is started while fleet.service is
    // stopped (systemd starts no socket whose service already runs), then fleetd, which is handed it.
    await sh(
      m,
      [
        'getent group fleet-read',
        'systemctl stop fleet.service',
        'systemctl enable --now fleet-read.socket',
      ].join('\n'),
      120_000,
    );
    await restartWith([`listen_tcp=${m.address}:${PORT}`]);
    await serving();
    expect((await sh(m, 'stat -c "%a %U %G" /run/fleet-read.sock')).trim()).toBe(
      '660 root fleet-read',
    );
    const init = m.initProcess;
    if (init === undefined) throw new Error('machine not running');
    const reader = new FleetClient({
      endpoint: `unix:///proc/${init.pid}/root/run/fleet-read.sock`,
      timeoutMs: 5_000,
    });
    try {
      expect((await reader.listMachines()).map((x) => x.id)).toEqual([m.machineId]);
      const err = await reader
        .destroyUnit('hello.service')
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        status: 403,
        message: 'permission denied: role read cannot DELETE units',
      });
    } finally {
      reader.close();
    }
  });

  it('answers while 1,000 slow connections (headers never finished) are held open', async () => {
    // The plain loopback listener of the previous tests.
    const held: net.Socket[] = [];
    let closedByServer = 0;
    try {
      for (let i = 0; i < 1_000; i++) {
        const s = await new Promise<net.Socket>((resolve, reject) => {
          const c = net.connect(PORT, m.address, () => {
            c.write(`GET /fleet/v1/units HTTP/1.1\r\nHost: ${m.address}\r\nX-Slow: `);
            resolve(c);
          });
          c.once('error', reject);
        });
        s.on('error', () => {});
        s.once('close', () => closedByServer++);
        s.resume();
        held.push(s);
      }
      const c = new FleetClient({ endpoint: `http://${m.address}:${PORT}`, timeoutMs: 30_000 });
      try {
        expect((await c.listMachines()).map((x) => x.id)).toEqual([m.machineId]);
      } finally {
        c.close();
      }
      // fleetd's default cap is 512 per listener: the oldest slow connections made room.
      await waitFor(() => closedByServer >= 1_000 - 512, {
        timeoutMs: 30_000,
        what: `fleetd to close slow connections beyond its cap (${closedByServer} closed)`,
      });
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
