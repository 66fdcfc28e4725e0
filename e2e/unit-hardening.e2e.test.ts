// units/fleet.service's sandbox, in a real systemd: `systemd-analyze security` rates it at most 5.0
// (fleet's plain unit: 9.6 UNSAFE), every directive is one the machine's systemd knows, and fleetd
// still does its work under it: it registers with health facts, links and starts a unit through
// systemd's D-Bus API, reloads on `systemctl reload`, serves its API on /run/fleet.sock (which
// must come from fleet.socket: /run is read-only to it), and drains on stop.
import { readFile } from 'node:fs/promises';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
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

const PREFIX = '/fleet-e2e-unit-hardening/';
/** The aim for `systemd-analyze security fleet.service`. */
const MAX_EXPOSURE = 5.0;
const HELLO = [
  { section: 'Service', name: 'ExecStart', value: '/bin/sh -c "exec sleep infinity"' },
];

/** The figure and verdict of `systemd-analyze security UNIT`'s last line. */
function overallExposure(out: string): { level: number; verdict: string } {
  const m = /Overall exposure level for fleet\.service: (\d+(?:\.\d+)?) (\S+)/.exec(out);
  if (m?.[1] === undefined || m[2] === undefined) {
    throw new Error(`no "Overall exposure level" line in:\n${out}`);
  }
  return { level: Number(m[1]), verdict: m[2] };
}

/** The `Key=value` lines of units/fleet.service's sandbox (from its "Sandbox" comment on). */
async function sandboxLines(): Promise<string[]> {
  const text = await readFile(new URL('../units/fleet.service', import.meta.url), 'utf8');
  const from = text.indexOf('# --- Sandbox');
  const to = text.indexOf('[Install]');
  if (from < 0 || to < from) throw new Error('units/fleet.service has no "# --- Sandbox" part');
  return text
    .slice(from, to)
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l));
}

describe('the hardened fleet.service in a systemd-nspawn machine', () => {
  let etcd: EtcdCluster;
  let machines: Machines;
  let m: NspawnMachine;
  let api: FleetClient;
  let registry: EtcdRegistry;

  /** fleetd's journal, for failure messages: what a sandbox refusal looks like to an operator. */
  const journal = async () =>
    (await m.exec('journalctl', ['-u', 'fleet.service', '--no-pager', '-o', 'cat', '-n', '40']))
      .stdout;
  const fleetdPid = async () => {
    const pid = await unitProperty(m, 'fleet.service', 'MainPID');
    if (pid === '0') throw new Error(`fleetd is not running:\n${await journal()}`);
    return pid;
  };

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: PREFIX });
    // Node.js bound in (not the checkout): two probes below run JavaScript of their own under the
    // sandbox's settings, which the `fleet` executable cannot be given. fleetd comes from the .deb.
    machines = await bootMachines(1, { bindNode: true });
    m = machines.get('node1');
    await installFleet(m, { etcdUrl: etcd.endpoints.join(','), prefix: PREFIX });
    api = fleetClient(m);
    await waitFor(
      async () => (await api.listMachines().catch(() => [])).some((x) => x.id === m.machineId),
      { timeoutMs: 60_000, intervalMs: 250, what: 'the machine to be listed by its API' },
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- fleetd's journal\n${await journal()}`);
    });
  });

  afterAll(async () => {
    api?.close();
    await machines?.teardown();
    await registry?.close();
    await etcd?.stop();
  });

  it('uses only directives the machine systemd knows (systemd-analyze verify is silent)', async () => {
    const r = await m.exec('sh', [
      '-c',
      'cd /usr/lib/systemd/system && systemd-analyze verify "$PWD/fleet.service" ' +
        '"$PWD/fleet.socket" "$PWD/fleet-tcp.socket" "$PWD/fleet-read.socket" 2>&1',
    ]);
    expect({ code: r.code, out: r.stdout.trim() }).toEqual({ code: 0, out: '' });
  });

  it(`rates at most ${MAX_EXPOSURE} in systemd-analyze security`, async () => {
    const out = await sh(m, 'systemd-analyze security --no-pager fleet.service 2>&1');
    const { level } = overallExposure(out);
    if (level > MAX_EXPOSURE) expect.fail(`exposure ${level} > ${MAX_EXPOSURE}:\n${out}`);
    expect(level).toBeLessThanOrEqual(MAX_EXPOSURE);
  });

  it('leaves MemoryDenyWriteExecute= out: Node.js cannot run under it', async () => {
    // V8 compiles JavaScript to machine code at run time: it needs writable, executable memory.
    const run = (mdwe: string) =>
      m.exec('systemd-run', [
        '--wait',
        '--quiet',
        '--pipe',
        `--property=MemoryDenyWriteExecute=${mdwe}`,
        '/usr/bin/node',
        '-e',
        'console.log([1, 2, 3].map((x) => x * 2).join(","))',
      ]);
    expect((await run('no')).stdout.trim()).toBe('2,4,6');
    expect((await run('yes')).code).not.toBe(0);
  });

  it('keeps AF_NETLINK: public IP detection lists the interfaces through netlink', async () => {
    // fleetd without public_ip reads the default route's interface from /proc/net/route, then its
    // address from os.networkInterfaces() (getifaddrs: a netlink socket).
    const sandbox = await sandboxLines();
    const run = (lines: readonly string[]) =>
      m.exec('systemd-run', [
        '--wait',
        '--quiet',
        '--pipe',
        ...lines.map((l) => `--property=${l}`),
        '/usr/bin/node',
        '-e',
        'const fs = require("fs"); fs.readFileSync("/proc/net/route");' +
          'console.log(Object.keys(require("os").networkInterfaces()).includes("lo"))',
      ]);
    expect(sandbox).toContain('RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK');
    expect((await run(sandbox)).stdout.trim()).toBe('true');
    const noNetlink = sandbox.map((l) =>
      l.startsWith('RestrictAddressFamilies=')
        ? 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'
        : l,
    );
    const r = await run(noNetlink);
    // Without it getifaddrs() fails (EAFNOSUPPORT) and os.networkInterfaces() throws.
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('uv_interface_addresses');
  });

  it('reports the machine health it reads from /proc and systemd', async () => {
    const [machine] = (await registry.listMachines()).items;
    expect(machine?.id).toBe(m.machineId);
    expect(machine?.health).toMatchObject({
      load: [expect.any(Number), expect.any(Number), expect.any(Number)],
      memory: { totalBytes: expect.any(Number), availableBytes: expect.any(Number) },
      disk: { totalBytes: expect.any(Number), availableBytes: expect.any(Number) },
      systemState: expect.stringMatching(/^(running|degraded)$/),
    });
  });

  it('links and starts a unit through systemd (D-Bus as root under the sandbox)', async () => {
    await api.createUnit({ name: 'hello.service', options: HELLO, desiredState: 'launched' });
    await waitFor(
      async () => (await unitProperty(m, 'hello.service', 'ActiveState')) === 'active',
      { timeoutMs: 30_000, intervalMs: 100, what: 'hello.service to be active' },
    ).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- fleetd's journal\n${await journal()}`);
    });
    expect((await sh(m, 'readlink /run/systemd/system/hello.service')).trim()).toBe(
      '/run/fleet/units/hello.service',
    );
  });

  it('runs fleetd sandboxed: no new privileges, a syscall filter, a read-only system', async () => {
    const pid = await fleetdPid();
    const status = await sh(m, `cat /proc/${pid}/status`);
    const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1];
    expect({
      uid: field('Uid'),
      noNewPrivs: field('NoNewPrivs'),
      seccomp: field('Seccomp'),
      capBnd: field('CapBnd'),
    }).toEqual({ uid: '0', noNewPrivs: '1', seccomp: '2', capBnd: '0000000000000000' });
    // Node.js raises its open-file limit to the hard limit at start; the filter lets it.
    const files = /^Max open files\s+(\d+)\s+(\d+)/m.exec(await sh(m, `cat /proc/${pid}/limits`));
    expect(files?.[1]).toMatch(/^\d+$/);
    expect(files?.[1]).toBe(files?.[2]);
    // What fleetd's own mount namespace lets it write: its runtime directory and nothing else.
    const writable = await sh(
      m,
      `for p in /run/fleet /run/fleet/units /etc /etc/fleet /usr /var /run /run/systemd /run/lock /root; do ` +
        `if nsenter -t ${pid} -m test -w $p; then echo "$p w"; else echo "$p ro"; fi; done`,
    );
    expect(writable.trim().split('\n')).toEqual([
      '/run/fleet w',
      '/run/fleet/units w',
      '/etc ro',
      '/etc/fleet ro',
      '/usr ro',
      '/var ro',
      '/run ro',
      '/run/systemd ro',
      '/run/lock ro',
      '/root ro',
    ]);
  });

  it('reloads on `systemctl reload fleet` without restarting', async () => {
    const pid = await fleetdPid();
    await sh(m, "printf 'metadata=hardened=yes\\n' >> /etc/fleet/fleet.conf");
    await sh(m, 'systemctl reload fleet.service');
    await waitFor(async () => (await api.listMachines())[0]?.metadata?.hardened === 'yes', {
      timeoutMs: 15_000,
      what: 'the reloaded metadata',
    });
    expect(await fleetdPid()).toBe(pid);
    expect(await unitProperty(m, 'hello.service', 'ActiveState')).toBe('active');
  });

  it('serves its API on /run/fleet.sock, from fleet.socket, also reachable as /var/run/fleet.sock', async () => {
    expect(await unitProperty(m, 'fleet.socket', 'Listen')).toBe('/run/fleet.sock (Stream)');
    expect((await sh(m, 'stat -c "%a %U %F" /run/fleet.sock')).trim()).toBe('660 root socket');
    expect((await sh(m, 'readlink -f /var/run/fleet.sock')).trim()).toBe('/run/fleet.sock');
    await waitFor(
      async () => (await api.getUnitState('hello.service'))?.systemdActiveState === 'active',
      { timeoutMs: 15_000, what: "hello.service's state through the socket" },
    );
  });

  it('without fleet.socket, says in one line that /run/fleet.sock is read-only to it', async () => {
    // /run is read-only to fleetd: the socket at the default path must come from fleet.socket.
    const since = (await sh(m, 'date "+%Y-%m-%d %H:%M:%S"')).trim();
    await sh(
      m,
      'systemctl stop fleet.service && systemctl disable --now fleet.socket && ' +
        'systemctl mask fleet.socket',
    );
    await sh(m, 'systemctl start fleet.service || true');
    let refusal: string | undefined;
    await waitFor(
      async () => {
        const j = await sh(m, `journalctl -u fleet.service --since "${since}" --no-pager -o cat`);
        refusal = j.split('\n').find((l) => l.startsWith('fleetd: '));
        return refusal !== undefined;
      },
      { timeoutMs: 30_000, what: "fleetd's refusal in the journal" },
    );
    expect(refusal).toMatch(
      /^fleetd: cannot serve the API: .*read-only file system.*\/run\/fleet\.sock/,
    );
    await sh(
      m,
      'systemctl stop fleet.service; systemctl reset-failed fleet.service; ' +
        'systemctl unmask fleet.socket && systemctl enable --now fleet.socket && ' +
        'systemctl start fleet.service',
    );
    await waitFor(async () => (await api.listMachines().catch(() => [])).length === 1, {
      timeoutMs: 60_000,
      what: 'fleetd to serve again through fleet.socket',
    });
  });

  it('drains on `systemctl stop fleet`: the unit stops and its file goes, /run/fleet stays', async () => {
    await sh(m, 'systemctl stop fleet.service', 120_000);
    expect(await unitProperty(m, 'hello.service', 'ActiveState')).toBe('inactive');
    expect((await sh(m, 'ls -A /run/fleet/units')).trim()).toBe('');
    expect((await sh(m, 'stat -c "%a %U" /run/fleet')).trim()).toBe('755 root');
  });
});
