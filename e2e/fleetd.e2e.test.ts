// fleetd on one real machine: installed from fleet's .deb (no Node.js, no checkout), driven through its API socket, with real etcd
// reached through a proxy that the test can cut. Covers the agent's and fleetd's acceptance
// criteria: run a unit, survive SIGKILL without restarting the unit, survive losing etcd for longer
// than the TTL without stopping or flapping anything, and drain on `systemctl stop fleet`.
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, TcpProxy, waitFor, sleep } from '@fleet/testkit';
import type { FleetClient } from '@fleet/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootMachines,
  fleetClient,
  installFleet,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from './src/index.js';

const PREFIX = '/fleet-e2e-fleetd/';
const HELLO = [
  { section: 'Unit', name: 'Description', value: 'Hello from fleet' },
  {
    section: 'Service',
    name: 'ExecStart',
    value: '/bin/sh -c "while true; do echo hello; sleep 1; done"',
  },
];

describe('fleetd in a systemd-nspawn machine', () => {
  let etcd: EtcdCluster;
  let proxy: TcpProxy;
  let machines: Machines;
  let m: NspawnMachine;
  let api: FleetClient;
  let registry: EtcdRegistry;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    const [host, port] = (etcd.endpoints[0] ?? '').replace('http://', '').split(':');
    proxy = await TcpProxy.start({ host: host ?? '127.0.0.1', port: Number(port) });
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
    machines = await bootMachines(1);
    m = machines.get('node1');
    await installFleet(m, { etcdUrl: proxy.url, prefix: PREFIX, agentTtl: '5s' });
    api = fleetClient(m);
  });

  afterAll(async () => {
    api?.close();
    await machines?.teardown();
    await registry?.close();
    await proxy?.close();
    await etcd?.stop();
  });

  const machineListed = async () =>
    (await api.listMachines().catch(() => [])).some((x) => x.id === m.machineId);
  const helloActive = async () =>
    (await m.exec('systemctl', ['is-active', 'hello.service'])).stdout.trim() === 'active';

  it('runs the packaged fleetd (no Node.js, no checkout), shows as fleetd, and serves the API on its socket', async () => {
    await waitFor(machineListed, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the machine to be listed by its API',
    });
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('active');
    const pid = (await sh(m, 'pidof fleetd')).trim();
    expect(pid).toBe(await unitProperty(m, 'fleet.service', 'MainPID'));
    // The .deb's executable, from the .deb's unit; nothing of the checkout or of Node.js here.
    expect((await sh(m, `readlink /proc/${pid}/exe`)).trim()).toBe('/usr/bin/fleet');
    // (/lib is /usr/lib on Debian 12: systemd names the unit by the first, dpkg by the second.)
    expect(await unitProperty(m, 'fleet.service', 'FragmentPath')).toMatch(
      /^(\/usr)?\/lib\/systemd\/system\/fleet\.service$/,
    );
    expect(await unitProperty(m, 'fleet.service', 'ExecStart')).toContain('path=/usr/bin/fleetd ');
    expect((await sh(m, "dpkg-query -W -f='${Status}' fleet")).trim()).toBe('install ok installed');
    const absent = await m.exec('sh', ['-c', 'command -v node nodejs; ls -d /opt/fleet']);
    expect(absent.code).not.toBe(0);
    expect(absent.stdout).toBe('');
    const [machine] = await api.listMachines();
    expect(machine).toMatchObject({ id: m.machineId, primaryIP: m.address });
  });

  it('schedules and runs a unit submitted through the API', async () => {
    await api.createUnit({ name: 'hello.service', options: HELLO, desiredState: 'launched' });
    await waitFor(helloActive, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'hello.service to be active',
    });
    await waitFor(async () => (await api.getUnit('hello.service'))?.currentState === 'launched', {
      timeoutMs: 15_000,
      what: 'hello.service to be reported launched',
    });
    const [state] = await api.listUnitStates({ unitName: 'hello.service' });
    expect(state).toMatchObject({
      machineID: m.machineId,
      systemdLoadState: 'loaded',
      systemdActiveState: 'active',
      systemdSubState: 'running',
    });
    expect((await sh(m, 'systemctl is-enabled hello.service || true')).trim()).toBe(
      'linked-runtime',
    );
  });

  it('stops and unloads a unit as its desired state changes', async () => {
    const state = async () => (await api.listUnitStates({ unitName: 'cycle.service' }))[0];
    await api.createUnit({ name: 'cycle.service', options: HELLO, desiredState: 'launched' });
    await waitFor(async () => (await state())?.systemdActiveState === 'active', {
      timeoutMs: 30_000,
      what: 'cycle.service active',
    });
    await api.setDesiredState('cycle.service', 'loaded');
    await waitFor(async () => (await state())?.systemdActiveState === 'inactive', {
      timeoutMs: 30_000,
      what: 'cycle.service stopped',
    });
    expect((await sh(m, 'ls /run/fleet/units/')).split('\n')).toContain('cycle.service');
    await api.setDesiredState('cycle.service', 'inactive');
    await waitFor(async () => (await state()) === undefined, {
      timeoutMs: 30_000,
      what: 'cycle.service unloaded',
    });
    expect((await sh(m, 'ls /run/fleet/units/')).split('\n')).not.toContain('cycle.service');
    expect((await m.exec('systemctl', ['is-active', 'cycle.service'])).stdout.trim()).toBe(
      'inactive',
    );
    await api.destroyUnit('cycle.service');
  });

  it('reloads its configuration on SIGHUP and keeps serving', async () => {
    const since = (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
    await sh(
      m,
      // token_limit takes effect at the next start: the reload warns about it.
      "sed -i 's/^agent_ttl=.*/agent_ttl=5s\\nmetadata=reloaded=yes\\ntoken_limit=99/' /etc/fleet/fleet.conf",
    );
    await sh(m, 'systemctl reload fleet.service'); // ExecReload= sends SIGHUP
    await waitFor(async () => (await api.listMachines())[0]?.metadata?.reloaded === 'yes', {
      timeoutMs: 15_000,
      what: 'the new metadata',
    });
    const journal = await sh(m, `journalctl -u fleet.service --since "${since}" --no-pager -o cat`);
    expect(journal).toContain('Reloading configuration');
    // Each line reaches journald at its own priority (the `<N>` prefix): the warning at warning.
    const warnings = await sh(
      m,
      `journalctl -u fleet.service -p warning..warning --since "${since}" --no-pager -o cat`,
    );
    expect(warnings).toMatch(
      /^\{"level":"warn",.*"these options take effect when fleetd restarts"/m,
    );
    expect(warnings).not.toContain('Reloading configuration');
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('active');
  });

  it('leaves the unit running when fleetd is SIGKILLed, and the restarted fleetd adopts it', async () => {
    const mainPid = await unitProperty(m, 'hello.service', 'MainPID');
    const since = (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
    const oldFleetd = await unitProperty(m, 'fleet.service', 'MainPID');
    await sh(m, 'systemctl kill -s SIGKILL --kill-who=main fleet.service');
    // systemd restarts it (Restart=always); it registers once the old lease has expired.
    await waitFor(
      async () => {
        const now = await unitProperty(m, 'fleet.service', 'MainPID');
        return now !== '0' && now !== oldFleetd;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'fleetd to be restarted by systemd' },
    );
    await waitFor(machineListed, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the restarted fleetd to register',
    });
    await waitFor(async () => (await registry.getLeader()) !== undefined, {
      timeoutMs: 30_000,
      what: 'an engine leader',
    });
    await sleep(8_000); // a new leader's grace and a few passes: time for any wrong move to show
    expect(await helloActive()).toBe(true);
    expect(await unitProperty(m, 'hello.service', 'MainPID')).toBe(mainPid);
    const journal = await sh(m, `journalctl -u hello.service --since "${since}" --no-pager -o cat`);
    expect(journal).not.toMatch(/Stopping|Stopped/);
  });

  it('stops nothing when cut from etcd for longer than the TTL, and nothing flaps after', async () => {
    const mainPid = await unitProperty(m, 'hello.service', 'MainPID');
    const since = (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
    proxy.cut();
    // Until its lease has expired in etcd (agent_ttl 5s): the machine is gone from the cluster's
    // view, and fleetd, cut off, cannot know. It keeps the unit running all along.
    await waitFor(
      async () => !(await registry.listMachines()).items.some((x) => x.id === m.machineId),
      { timeoutMs: 60_000, intervalMs: 250, what: "the cut machine's lease to expire" },
    );
    expect(await helloActive()).toBe(true);
    proxy.restore();
    await waitFor(
      async () => (await registry.listMachines()).items.some((x) => x.id === m.machineId),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'the machine to register again',
      },
    );
    await sleep(10_000); // grace, passes, republishing: nothing may stop or restart meanwhile
    expect(await helloActive()).toBe(true);
    expect(await unitProperty(m, 'hello.service', 'MainPID')).toBe(mainPid);
    expect((await sh(m, 'systemctl is-enabled hello.service || true')).trim()).toBe(
      'linked-runtime',
    );
    const journal = await sh(m, `journalctl -u hello.service --since "${since}" --no-pager -o cat`);
    expect(journal).not.toMatch(/Stopping|Stopped/);
    const assigned = (await registry.listAssignments()).items.map(
      (a) => `${a.unit}@${a.machineId}`,
    );
    expect(assigned).toEqual([`hello.service@${m.machineId}`]);
  });

  it('drains on `systemctl stop fleet`: the unit stops and is unloaded, the machine leaves', async () => {
    await sh(m, 'systemctl stop fleet.service', 120_000);
    expect(await unitProperty(m, 'fleet.service', 'ActiveState')).toBe('inactive');
    expect(await unitProperty(m, 'fleet.service', 'Result')).toBe('success');
    expect(await helloActive()).toBe(false);
    expect((await sh(m, 'ls /run/fleet/units/ 2>/dev/null || true')).trim()).toBe('');
    expect((await registry.listMachines()).items).toEqual([]);
    expect((await registry.listUnitStates()).items).toEqual([]);
  });
});
