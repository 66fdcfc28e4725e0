// Three real machines against etcd as production runs it: TLS with client certificates, and
// etcd's auth on with a `fleet` role that may read and write the cluster's key prefix and nothing
// else. node1 and node2 log in with etcd_username/etcd_password, node3 as its certificate's CN.
// A unit started with fleetctl runs in systemd, and a fleetd restarted keeps working, every unit
// staying where it was.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, FleetctlSeat, sh, unitProperty, type RunResult } from './src/index.js';

const unitFile = (description: string, xfleet: string[] = []) =>
  [
    '[Unit]',
    `Description=${description}`,
    '',
    '[Service]',
    "ExecStart=/bin/sh -c 'exec sleep infinity'",
    ...(xfleet.length > 0 ? ['', '[X-Fleet]', ...xfleet] : []),
    '',
  ].join('\n');

describe('a 3-machine cluster on etcd with TLS and auth (least-privilege role)', () => {
  let c: Cluster;
  let seat: FleetctlSeat;

  beforeAll(async () => {
    c = await Cluster.start({
      machines: 3,
      metadata: (i) => `hostname=node${i}`,
      etcdLogin: (i) => (i === 3 ? 'cn' : 'password'),
    });
    seat = await FleetctlSeat.create();
  });
  afterAll(async () => {
    try {
      await seat?.dispose();
    } finally {
      await c?.teardown();
    }
  });

  const fleetctl = (...args: string[]) =>
    seat.fleetctl(['--endpoint', c.tcpEndpoint('node1'), ...args]);
  const ok = (r: RunResult) => {
    expect(r.code, `exit status; stderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const activeOn = (unit: string) =>
    waitFor(
      async () => ((await c.whereActive(unit)).length === 1 ? c.whereActive(unit) : undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: `${unit} to be active on one machine`,
      },
    );

  it('runs etcd with auth and TLS on: no way in without a certificate and a login', async () => {
    const { tls, auth } = c.etcd;
    if (tls === undefined || auth === undefined) throw new Error('etcd has no TLS or no auth');
    expect(c.etcd.endpoints.every((e) => e.startsWith('https://'))).toBe(true);
    expect(auth.prefix).toBe(c.prefix);
    // The role's user cannot read outside the cluster's prefix (no root for fleetd).
    const outside = new EtcdRegistry({
      endpoints: c.etcd.endpoints,
      prefix: '/_coreos.com/fleet/',
      credentials: {
        rootCertificate: await readFile(tls.caFile),
        certChain: await readFile(tls.clientCertFile),
        privateKey: await readFile(tls.clientKeyFile),
      },
      auth: { username: auth.username, password: auth.password },
    });
    try {
      expect(await outside.listUnits().catch((e: unknown) => String(e))).toMatch(
        /etcd denied the request: permission denied/,
      );
    } finally {
      await outside.close();
    }
    // Every machine's fleetd is configured as the README says, and registered.
    for (const m of c.nodes) {
      const conf = await sh(m, 'cat /etc/fleet/fleet.conf');
      expect(conf).toContain('etcd_cafile=/etc/fleet/etcd/ca.pem');
      expect(conf).toContain('etcd_certfile=/etc/fleet/etcd/client.pem');
      expect(conf.includes('etcd_username=')).toBe(m.name !== 'node3');
    }
    expect((await c.registry.listMachines()).items).toHaveLength(3);
  });

  it('starts a unit with fleetctl, and systemd runs it', async () => {
    await writeFile(join(seat.dir, 'hello.service'), unitFile('etcd-auth e2e hello'));
    ok(await fleetctl('start', join(seat.dir, 'hello.service')));
    expect(await activeOn('hello.service')).toHaveLength(1);
  });

  it("keeps working after a machine's fleetd restarts (certificate CN login)", async () => {
    // A unit on the machine that restarts, whatever hello.service's machine is.
    await writeFile(
      join(seat.dir, 'kept.service'),
      unitFile('etcd-auth e2e kept', ['MachineMetadata=hostname=node3']),
    );
    ok(await fleetctl('start', join(seat.dir, 'kept.service')));
    expect(await activeOn('kept.service')).toEqual(['node3']);
    const keptPid = await unitProperty(c.node('node3'), 'kept.service', 'MainPID');
    const before = await activeOn('hello.service');
    await sh(c.node('node3'), 'systemctl restart fleet.service', 120_000);
    await c.waitMachines(3);
    // The restarted fleetd schedules and runs a new unit on its own machine.
    await writeFile(
      join(seat.dir, 'pinned.service'),
      unitFile('etcd-auth e2e pinned', ['MachineMetadata=hostname=node3']),
    );
    ok(await fleetctl('start', join(seat.dir, 'pinned.service')));
    expect(await activeOn('pinned.service')).toEqual(['node3']);
    // A restart keeps every unit where it was, the restarted machine's own with its process.
    expect(await c.whereActive('hello.service')).toEqual(before);
    expect(await c.whereActive('kept.service')).toEqual(['node3']);
    expect(await unitProperty(c.node('node3'), 'kept.service', 'MainPID')).toBe(keptPid);
  });
});
