// fleet installed from its .deb, as a user would, in a machine without Node.js: `npm run package`
// (the e2e run's build of this checkout, `fleetDeb()`: made once, kept in the e2e cache), `dpkg -i`, fleet.conf pointing at
// the test's etcd, `systemctl enable --now fleet.socket fleet.service`. fleetd registers and runs
// a unit; `dpkg -r` stops it (its drain) and `dpkg --purge` removes /etc/fleet.
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import type { FleetClient } from '@fleet/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectDir } from './src/project.js';
import {
  bootMachines,
  configureFleet,
  fleetClient,
  fleetDeb,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from './src/index.js';

const PREFIX = '/fleet-e2e-deb/';
const HELLO = [
  { section: 'Unit', name: 'Description', value: 'Hello from the packaged fleet' },
  { section: 'Service', name: 'ExecStart', value: '/bin/sh -c "while true; do sleep 1; done"' },
];

describe('fleet installed from its .deb in a machine without Node.js', () => {
  let version: string;
  let deb: string;
  let etcd: EtcdCluster;
  let machines: Machines;
  let m: NspawnMachine;
  let api: FleetClient;

  beforeAll(async () => {
    deb = await fleetDeb();
    const pkg = join(projectDir(), 'package.json');
    version = (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
    etcd = await EtcdCluster.start();
    machines = await bootMachines(1);
    m = machines.get('node1');
    const init = m.initProcess?.pid;
    if (init === undefined) throw new Error('node1 has no init process');
    // Into the machine's own /root, through its root as the host sees it.
    await copyFile(deb, `/proc/${init}/root/root/fleet.deb`);
    api = fleetClient(m);
  });

  afterAll(async () => {
    api?.close();
    await machines?.teardown();
    await etcd?.stop();
  });

  it('the machine has no Node.js', async () => {
    const r = await m.exec('sh', ['-c', 'command -v node nodejs; ls /opt/fleet']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('dpkg -i installs fleet and starts nothing until the operator enables it', async () => {
    await sh(m, 'dpkg -i /root/fleet.deb', 120_000);
    expect((await sh(m, 'readlink /usr/bin/fleetd /usr/bin/fleetctl')).split('\n')).toEqual([
      'fleet',
      'fleet',
      '',
    ]);
    expect((await sh(m, 'fleetctl version')).trim()).toBe(`fleetctl version ${version}`);
    expect((await sh(m, 'fleet fleetd --version')).trim()).toBe(`fleetd version ${version}`);
    expect(await unitProperty(m, 'fleet.service', 'ExecStart')).toContain('path=/usr/bin/fleetd');
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('inactive');
    expect(await unitProperty(m, 'fleet.socket', 'UnitFileState')).toBe('disabled');
    expect(await sh(m, "dpkg-query -W -f='${Conffiles}' fleet")).toContain('/etc/fleet/fleet.conf');
  });

  it('with fleet.conf set and the units enabled, fleetd registers and runs a unit', async () => {
    await configureFleet(m, { etcdUrl: etcd.endpoints.join(','), prefix: PREFIX });
    await waitFor(
      async () => (await sh(m, 'fleetctl list-machines --no-legend --full')).includes(m.machineId),
      { timeoutMs: 60_000, intervalMs: 250, what: 'fleetctl list-machines to list the machine' },
    );
    const pid = (await sh(m, 'pidof fleetd')).trim();
    expect(pid).toBe(await unitProperty(m, 'fleet.service', 'MainPID'));
    expect((await sh(m, `readlink /proc/${pid}/exe`)).trim()).toBe('/usr/bin/fleet');
    await api.createUnit({ name: 'hello.service', options: HELLO, desiredState: 'launched' });
    await waitFor(
      async () =>
        (await m.exec('systemctl', ['is-active', 'hello.service'])).stdout.trim() === 'active',
      { timeoutMs: 30_000, intervalMs: 100, what: 'hello.service to be active' },
    );
    expect(await sh(m, 'fleetctl list-units --no-legend')).toMatch(/^hello\.service\s.*active/m);
  });

  it('dpkg -i over the installed package (an upgrade) restarts the running fleetd', async () => {
    const before = await unitProperty(m, 'fleet.service', 'MainPID');
    await sh(m, 'echo "# kept" >> /etc/fleet/fleet.conf && dpkg -i /root/fleet.deb', 120_000);
    const after = await unitProperty(m, 'fleet.service', 'MainPID');
    expect(after).not.toBe(before);
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('active');
    // the conffile the operator changed is kept
    expect(await sh(m, 'tail -1 /etc/fleet/fleet.conf')).toBe('# kept\n');
    await waitFor(
      async () => (await sh(m, 'fleetctl list-machines --no-legend --full')).includes(m.machineId),
      { timeoutMs: 60_000, intervalMs: 250, what: 'the restarted fleetd to register again' },
    );
  });

  it('dpkg -r stops fleet, which drains the machine; dpkg --purge removes /etc/fleet', async () => {
    await sh(m, 'dpkg -r fleet', 120_000);
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).not.toBe('active');
    expect((await sh(m, 'pidof fleetd || true')).trim()).toBe('');
    // the drain stopped the unit fleet ran here
    expect((await m.exec('systemctl', ['is-active', 'hello.service'])).stdout.trim()).not.toBe(
      'active',
    );
    expect((await sh(m, 'ls /usr/bin/fleet /usr/bin/fleetd 2>&1 || true')).trim()).toContain(
      'No such file',
    );
    expect((await sh(m, 'cat /etc/fleet/fleet.conf')).trim()).toContain('etcd_servers=');
    await sh(m, 'dpkg --purge fleet', 120_000);
    expect((await m.exec('test', ['-e', '/etc/fleet'])).code).not.toBe(0);
    expect((await sh(m, 'ls /etc/systemd/system/*.wants/ | grep fleet || true')).trim()).toBe('');
  });
});
