// Configuration compatibility: every option and form that fleet's documentation, sample
// configuration and functional tests show starts a fleetd in a real machine that registers and
// serves the API. One machine; between variants fleet.conf (and a drop-in with FLEET_* variables)
// is rewritten and fleet restarted. Then `systemctl reload fleet` applies new metadata without
// touching units, and `systemctl stop fleet` ends cleanly while etcd silently drops packets
// (fleet's TestMonitorVsShutdown).
import { FleetClient } from '@fleet/client';
import { normalizeKeyPrefix } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, TcpProxy, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootMachines,
  fleetClient,
  installFleet,
  runFleetctl,
  sh,
  unitProperty,
  type Machines,
  type NspawnMachine,
} from './src/index.js';

const MONITOR = 'Server monitor triggered: Monitor timed out before successful heartbeat';
const DROPIN = '/etc/systemd/system/fleet.service.d/50-fleet-env.conf';
/** A unit file of the operator's, which a fleetd refusing its units_directory must leave alone. */
const OWN = 'e2e-operator.service';
const HELLO = [
  {
    section: 'Service',
    name: 'ExecStart',
    value: '/bin/sh -c "while true; do echo hello; sleep 1; done"',
  },
];

const sameEntries = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

describe("fleet's configuration forms in a systemd-nspawn machine", () => {
  let etcd: EtcdCluster;
  let etcdUrl: string;
  let second: TcpProxy;
  let silent: TcpProxy;
  let machines: Machines;
  let m: NspawnMachine;
  let api: FleetClient;

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    etcdUrl = etcd.endpoints[0] ?? '';
    const [host, port] = etcdUrl.replace('http://', '').split(':');
    const target = { host: host ?? '127.0.0.1', port: Number(port) };
    second = await TcpProxy.start(target); // a second etcd URL for the list form
    silent = await TcpProxy.start(target);
    machines = await bootMachines(1);
    m = machines.get('node1');
    await installFleet(m, { etcdUrl, prefix: '/fleet-compat/setup/' });
    api = fleetClient(m);
  });

  afterAll(async () => {
    api?.close();
    await machines?.teardown();
    await silent?.close();
    await second?.close();
    await etcd?.stop();
  });

  /** The machine's clock, for `journalctl --since`. */
  const now = async () => (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
  const journal = async (since: string) =>
    sh(m, `journalctl -u fleet.service --since "${since}" --no-pager -o cat`);

  /** Writes fleet.conf (and the FLEET_* drop-in, or removes it), restarts fleet. */
  async function restartWith(
    conf: readonly string[],
    env: readonly string[] = [],
  ): Promise<string> {
    const since = await now();
    const dropin =
      env.length === 0
        ? `rm -f ${DROPIN}`
        : [
            `mkdir -p ${DROPIN.slice(0, DROPIN.lastIndexOf('/'))}`,
            `cat > ${DROPIN} <<'UNIT'\n[Service]\n${env.map((e) => `Environment=${e}`).join('\n')}\nUNIT`,
          ].join('\n');
    await sh(
      m,
      [
        `cat > /etc/fleet/fleet.conf <<'CONF'\n${conf.join('\n')}\nCONF`,
        dropin,
        'systemctl daemon-reload',
        'systemctl restart fleet.service',
      ].join('\n'),
      120_000,
    );
    return since;
  }

  /** Waits until the API (socket, or `client`) lists this machine with `metadata`. */
  async function servesMachine(metadata: Record<string, string>, client = api): Promise<void> {
    await waitFor(
      async () => {
        const found = (await client.listMachines()).find((x) => x.id === m.machineId);
        return found !== undefined && sameEntries(found.metadata ?? {}, metadata);
      },
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: `the API to list ${m.machineId} with its metadata`,
      },
    );
  }

  /** The machine's record is in etcd under `prefix` (fleet's path.Join reading of it). */
  async function registeredUnder(prefix: string): Promise<void> {
    const registry = new EtcdRegistry({ endpoints: [etcdUrl], prefix });
    try {
      await waitFor(
        async () => (await registry.listMachines()).items.some((x) => x.id === m.machineId),
        { timeoutMs: 30_000, what: `the machine under ${prefix}` },
      );
    } finally {
      await registry.close();
    }
  }

  /** No error or fatal line (levels error, fatal) in fleet's journal since `since`. */
  async function noErrors(since: string): Promise<string> {
    const text = await journal(since);
    expect(text).not.toMatch(/"level":"(error|fatal)"/);
    return text;
  }

  it("starts from fleet.conf.sample's forms, with fleet's functional-test key prefix", async () => {
    const since = await restartWith([
      '# This config file is INI-formatted',
      'verbosity=0',
      `etcd_servers=["${etcdUrl}", "${second.url}"]`,
      'etcd_request_timeout=1.0',
      'etcd_key_prefix=/fleet_functional/smoke1',
      `public_ip="${m.address}"`,
      'metadata="region=us-west,az=us-west-1"',
      'agent_ttl="30s"',
      'engine_reconcile_interval=2',
    ]);
    await servesMachine({ region: 'us-west', az: 'us-west-1' });
    await registeredUnder('/fleet_functional/smoke1/');
    await noErrors(since);
    // fleetctl talks to the API: its --etcd-key-prefix (fleet's etcd driver) changes nothing.
    const init = m.initProcess;
    const out = await runFleetctl(machines.dir, [
      '--etcd-key-prefix=/fleet_functional/smoke1',
      `--endpoint=unix:///proc/${String(init?.pid)}/root/run/fleet.sock`,
      'list-machines',
      '--no-legend',
      '--full',
      '--fields=machine',
    ]);
    expect(out, out.stderr).toMatchObject({ code: 0, stdout: `${m.machineId}\n` });
  });

  it("starts from fleet's functional-test cloud-config plus every compatibility option", async () => {
    const since = await restartWith([
      'verbosity=2',
      `etcd_servers=["${etcdUrl}"]`,
      'etcd_key_prefix=/fleet-compat/b/',
      `public_ip=${m.address}`,
      'agent_ttl=120s',
      'etcd_request_timeout=1',
      'engine_reconcile_interval=2.0',
      'token_limit=50',
      'systemd_user=false',
      'disable_engine=false',
      'disable_watches=true',
      'enable_grpc=false',
      'verify_units=true',
      'authorized_keys_file=/home/core/.ssh/authorized_keys',
      'units_directory=/run/fleet/units/',
      'metadata=role=web',
      `listen_tcp=${m.address}:49153`,
    ]);
    await servesMachine({ role: 'web' });
    const tcp = new FleetClient({ endpoint: `http://${m.address}:49153`, timeoutMs: 5_000 });
    try {
      await servesMachine({ role: 'web' }, tcp);
    } finally {
      tcp.close();
    }
    await registeredUnder('/fleet-compat/b');
    const text = await noErrors(since);
    for (const option of ['verify_units', 'authorized_keys_file', 'disable_watches']) {
      const warnings = text.split('\n').filter((l) => l.includes(`option ${option} (`));
      expect(warnings, option).toHaveLength(1);
      expect(warnings[0]).toContain('is ignored');
    }
    expect(text).not.toContain('option enable_grpc'); // false: nothing to warn about
  });

  it('starts from FLEET_* variables in a systemd drop-in, which override fleet.conf', async () => {
    const since = await restartWith(
      ['metadata=region=from-file', 'etcd_key_prefix=/not-this-one/'],
      [
        `FLEET_ETCD_SERVERS=${etcdUrl}`,
        'FLEET_ETCD_KEY_PREFIX=fleet-compat/c',
        `FLEET_PUBLIC_IP=${m.address}`,
        '"FLEET_METADATA=region=us-east,az=us-east-1"',
        'FLEET_AGENT_TTL=1m',
        'FLEET_ETCD_REQUEST_TIMEOUT=1.0',
        'FLEET_ENGINE_RECONCILE_INTERVAL=2.0',
        'FLEET_VERBOSITY=1',
        'FLEET_TOKEN_LIMIT=100',
        'FLEET_DISABLE_ENGINE=true',
      ],
    );
    await servesMachine({ region: 'us-east', az: 'us-east-1' });
    await registeredUnder(normalizeKeyPrefix('fleet-compat/c'));
    await noErrors(since);
  });

  const PREFIX = '/fleet-compat/reload';
  const base = (extra: readonly string[]) => [
    `etcd_servers=${etcdUrl}`,
    `etcd_key_prefix=${PREFIX}`,
    `public_ip=${m.address}`,
    'agent_ttl=5s',
    ...extra,
  ];
  const helloActive = async () =>
    (await m.exec('systemctl', ['is-active', 'hello.service'])).stdout.trim() === 'active';

  it("refuses a units_directory of systemd's own in one line, exits 78 and is not restarted", async () => {
    // A unit file of the operator's in the directory fleetd is told to use.
    await sh(m, `printf '[Service]\\nExecStart=/bin/true\\n' > /etc/systemd/system/${OWN}`);
    const since = await restartWith(base(['units_directory=/etc/systemd/system']));
    const prop = async () =>
      (await sh(m, 'systemctl show -p ActiveState,ExecMainStatus,NRestarts fleet.service'))
        .trim()
        .split('\n')
        .sort();
    await waitFor(async () => (await prop()).includes('ActiveState=failed'), {
      timeoutMs: 30_000,
      what: 'fleet.service to fail on the refused configuration',
    });
    // Two RestartSec (5 s) periods: Restart=always would have started it again by then.
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await prop()).toEqual(['ActiveState=failed', 'ExecMainStatus=78', 'NRestarts=0']);
    const lines = (await journal(since)).split('\n').filter((l) => l.includes('units_directory'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => !l.includes('\n') && !l.includes(' at '))).toBe(true);
    // Nothing in the directory it refused was touched: the operator's unit is still there.
    expect((await m.exec('test', ['-f', `/etc/systemd/system/${OWN}`])).code).toBe(0);
  });

  it('applies new metadata on `systemctl reload fleet`, restarting neither fleetd nor units', async () => {
    await restartWith(base(['metadata=stage=one']));
    await servesMachine({ stage: 'one' });
    await api.createUnit({ name: 'hello.service', options: HELLO, desiredState: 'launched' });
    await waitFor(helloActive, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'hello.service active',
    });
    const fleetPid = await unitProperty(m, 'fleet.service', 'MainPID');
    const helloPid = await unitProperty(m, 'hello.service', 'MainPID');
    const since = await now();
    await sh(m, "sed -i 's/^metadata=.*/metadata=stage=two/' /etc/fleet/fleet.conf");
    const reload = await m.exec('systemctl', ['reload', 'fleet.service']);
    expect(reload, reload.stderr).toMatchObject({ code: 0 });
    await servesMachine({ stage: 'two' });
    expect(await unitProperty(m, 'fleet.service', 'MainPID')).toBe(fleetPid);
    expect(await unitProperty(m, 'hello.service', 'MainPID')).toBe(helloPid);
    expect(await journal(since)).toContain('Reloading configuration');
    const hello = await sh(m, `journalctl -u hello.service --since "${since}" --no-pager -o cat`);
    expect(hello).not.toMatch(/Stopping|Stopped/);
  });

  it("stops cleanly while etcd silently drops packets, after fleet's monitor line", async () => {
    // Same keyspace: hello.service is scheduled here again once this fleetd registers.
    await restartWith(
      base(['metadata=stage=silent']).map((l) =>
        l.startsWith('etcd_servers=') ? `etcd_servers=${silent.url}` : l,
      ),
    );
    await servesMachine({ stage: 'silent' });
    await waitFor(helloActive, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'hello.service active',
    });
    const since = await now();
    silent.blackhole();
    await waitFor(async () => (await journal(since)).includes(MONITOR), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: "fleet's monitor line in the journal",
    });
    const stop = await m.exec('systemctl', ['stop', 'fleet.service'], 180_000);
    expect(stop, stop.stderr).toMatchObject({ code: 0 });
    const show = await sh(m, 'systemctl show -p Result,ExecMainStatus,ActiveState fleet.service');
    expect(show.trim().split('\n').sort()).toEqual([
      'ActiveState=inactive',
      'ExecMainStatus=0',
      'Result=success',
    ]);
    // The drain stopped the unit here although etcd never answered.
    expect(await helloActive()).toBe(false);
  });
});
