// fleetctl as an operator runs it, from the host, against three real machines: the compiled CLI
// in a child process, its output and exit status checked, and what systemd really runs on each
// machine checked beside it. The API is reached on a machine's TCP endpoint or through an SSH
// tunnel to its unix socket; ssh/status/journal go through real OpenSSH sshd on each machine's
// own loopback address, with the harness's known_hosts and its client key in an ssh-agent.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, FleetctlSeat, cellStarts, tableCells, type RunResult } from './src/index.js';
import { fleetctlOnTerminal } from './src/terminal.js';

const HELLO = [
  '[Unit]',
  'Description=fleetctl e2e hello',
  '',
  '[Service]',
  'ExecStart=/bin/sh -c \'echo "hello from $$(cat /etc/hostname)"; exec sleep infinity\'',
  '',
].join('\n');

const WEB_TEMPLATE = [
  '[Unit]',
  'Description=web instance %i',
  '',
  '[Service]',
  'Environment=INSTANCE=%i',
  "ExecStart=/bin/sh -c 'exec sleep infinity'",
  '',
].join('\n');

/** A unit printing its VERSION once started. */
const versioned = (v: number) =>
  [
    '[Service]',
    `Environment=VERSION=${v}`,
    'ExecStart=/bin/sh -c \'echo "version $$VERSION"; exec sleep infinity\'',
    '',
  ].join('\n');

const LEGEND = /([0-9a-f]{8})\.\.\.\/(127\.\d+\.\d+\.\d+)/;

describe('fleetctl on a 3-machine cluster', () => {
  let c: Cluster;
  let seat: FleetctlSeat;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3, metadata: (i) => `hostname=node${i}` });
    seat = await FleetctlSeat.create([c.machines.sshKey.path]);
  });
  afterAll(async () => {
    try {
      await seat?.dispose();
    } finally {
      await c?.teardown();
    }
  });
  afterEach(async () => {
    if (c === undefined) return;
    const api = c.api();
    for (const u of await api.listUnits()) await api.destroyUnit(u.name);
    await waitFor(async () => (await c.registry.listUnitStates()).items.length === 0, {
      timeoutMs: 30_000,
      what: 'every unit to be unloaded',
    });
  });

  const file = (name: string) => join(seat.dir, name);
  const write = (name: string, text: string) => writeFile(file(name), text);

  /** fleetctl on node1's TCP endpoint. */
  const tcp = (...args: string[]) => seat.fleetctl(['--endpoint', c.tcpEndpoint('node1'), ...args]);
  /** fleetctl through an SSH tunnel to `via` (the API on its unix socket), as root. */
  const tunnel = (via: string, ...args: string[]) =>
    seat.fleetctl([
      '--tunnel',
      c.node(via).address,
      '--ssh-username',
      'root',
      '--known-hosts-file',
      c.machines.knownHosts,
      ...args,
    ]);

  /** The machine (node name) a `Unit <u> <state> on <legend>` line names. */
  const nodeOfLine = (out: string, unit: string): string => {
    const line = out.split('\n').find((l) => l.startsWith(`Unit ${unit} `)) ?? '';
    const m = LEGEND.exec(line);
    const node = c.nodes.find((n) => n.address === m?.[2] && n.machineId.startsWith(m[1] ?? '-'));
    if (node === undefined)
      throw new Error(`no machine legend for ${unit} in ${JSON.stringify(out)}`);
    return node.name;
  };
  const legendOf = (node: string) =>
    `${c.node(node).machineId.slice(0, 8)}.../${c.node(node).address}`;
  const ok = (r: RunResult) => {
    expect(r.code, `exit status; stderr: ${r.stderr}`).toBe(0);
    return r;
  };
  const expectAligned = (out: string) => {
    const lines = out.split('\n').filter((l) => l !== '');
    const starts = lines.map(cellStarts);
    for (const s of starts) expect(s).toEqual(starts[0]);
  };
  const sortedNodes = () =>
    [...c.nodes].sort((a, b) => (a.machineId < b.machineId ? -1 : 1)).map((m) => m.name);

  describe('unit lifecycle against the TCP endpoint', () => {
    it('submits, loads, starts, restarts, stops, unloads and destroys a unit', async () => {
      await write('hello.service', HELLO);
      const hello = file('hello.service');

      expect(ok(await tcp('submit', hello)).stdout).toBe('Unit hello.service inactive\n');
      expect(await c.whereActive('hello.service')).toEqual([]);
      const files = tableCells(ok(await tcp('list-unit-files')).stdout);
      expect(files[0]).toEqual(['UNIT', 'HASH', 'DSTATE', 'STATE', 'TARGET']);
      expect(files.slice(1)).toEqual([
        ['hello.service', expect.stringMatching(/^[0-9a-f]{7}$/), 'inactive', 'inactive', '-'],
      ]);

      const load = ok(await tcp('load', 'hello.service'));
      expect(load.stdout).toMatch(/^Unit hello\.service loaded on [0-9a-f]{8}\.\.\.\/127\S+\n$/);
      const on = nodeOfLine(load.stdout, 'hello.service');
      expect(await c.prop(on, 'hello.service', 'LoadState')).toBe('loaded');
      expect(await c.prop(on, 'hello.service', 'ActiveState')).toBe('inactive');
      for (const other of c.nodes.filter((m) => m.name !== on)) {
        expect(await c.prop(other.name, 'hello.service', 'LoadState')).toBe('not-found');
      }

      const start = ok(await tcp('start', 'hello'));
      expect(start.stdout).toBe(`Unit hello.service launched on ${legendOf(on)}\n`);
      expect(await c.whereActive('hello.service')).toEqual([on]);
      expect(await c.prop(on, 'hello.service', 'Description')).toBe('fleetctl e2e hello');
      const pid = await c.prop(on, 'hello.service', 'MainPID');
      expect(Number(pid)).toBeGreaterThan(0);

      const units = ok(await tcp('list-units'));
      expect(tableCells(units.stdout)).toEqual([
        ['UNIT', 'MACHINE', 'ACTIVE', 'SUB'],
        ['hello.service', legendOf(on), 'active', 'running'],
      ]);
      expectAligned(units.stdout);

      const restart = ok(await tcp('restart', 'hello.service'));
      expect(restart.stdout).toBe(
        `Unit hello.service loaded on ${legendOf(on)}\nUnit hello.service launched on ${legendOf(on)}\n`,
      );
      expect(await c.whereActive('hello.service')).toEqual([on]);
      const restartedPid = await c.prop(on, 'hello.service', 'MainPID');
      expect(Number(restartedPid)).toBeGreaterThan(0);
      expect(restartedPid).not.toBe(pid);

      const stop = ok(await tcp('stop', 'hello.service'));
      expect(stop.stdout).toBe(`Unit hello.service loaded on ${legendOf(on)}\n`);
      expect(stop.stderr).toBe('Successfully stopped units [hello.service].\n');
      expect(await c.whereActive('hello.service')).toEqual([]);
      expect(await c.prop(on, 'hello.service', 'LoadState')).toBe('loaded');
      // Stopping a stopped unit again is not an error and changes nothing.
      expect(ok(await tcp('stop', 'hello.service')).stdout).toBe('');

      const unload = ok(await tcp('unload', 'hello.service'));
      expect(unload.stdout).toBe('Unit hello.service inactive\n');
      expect(unload.stderr).toBe('Successfully unloaded units [hello.service].\n');
      // unload waits until the machine has unloaded it, not only until it is unscheduled.
      expect(await c.prop(on, 'hello.service', 'LoadState')).toBe('not-found');

      const destroy = ok(await tcp('destroy', 'hello.service'));
      expect(destroy.stdout).toBe('Destroyed hello.service\n');
      expect(ok(await tcp('list-unit-files', '--no-legend')).stdout).toBe('');
      const cat = await tcp('cat', 'hello.service');
      expect(cat).toEqual({ code: 1, stdout: '', stderr: 'Unit hello.service does not exist.\n' });
      // Destroying what does not exist is fine, as in fleet.
      expect(ok(await tcp('destroy', 'hello.service')).stdout).toBe('Destroyed hello.service\n');
    });

    it('stop and restart wait until systemd has really stopped a slow-stopping unit', async () => {
      // SIGTERM is trapped and takes 2 s: fleet's state is `loaded` long before systemd is done.
      await write(
        'slow.service',
        '[Service]\nExecStart=/bin/sh -c \'trap "sleep 2; exit 0" TERM; while :; do sleep 0.2; done\'\n',
      );
      const on = nodeOfLine(ok(await tcp('start', file('slow.service'))).stdout, 'slow.service');
      const pid = await c.prop(on, 'slow.service', 'MainPID');
      const restart = ok(await tcp('restart', 'slow.service'));
      expect(restart.stdout).toBe(
        `Unit slow.service loaded on ${legendOf(on)}\nUnit slow.service launched on ${legendOf(on)}\n`,
      );
      expect(await c.prop(on, 'slow.service', 'ActiveState')).toBe('active');
      expect(await c.prop(on, 'slow.service', 'MainPID')).not.toBe(pid);
      const stop = ok(await tcp('stop', 'slow.service'));
      expect(stop.stderr).toBe('Successfully stopped units [slow.service].\n');
      expect(await c.prop(on, 'slow.service', 'ActiveState')).toBe('inactive');
      expect(await c.prop(on, 'slow.service', 'MainPID')).toBe('0');
    });

    it('starts four instances of a template in one command, each with its own %i', async () => {
      await write('web@.service', WEB_TEMPLATE);
      const names = [1, 2, 3, 4].map((i) => `web@${i}.service`);
      const start = ok(await tcp('start', ...names.map(file)));
      const lines = start.stdout.trim().split('\n').sort();
      expect(lines).toHaveLength(4);
      const where = new Map<string, string>();
      for (const [i, name] of names.entries()) {
        expect(lines[i]).toMatch(new RegExp(`^Unit ${name.replace('.', '\\.')} launched on `));
        where.set(name, nodeOfLine(start.stdout, name));
      }
      for (const [i, name] of names.entries()) {
        const node = where.get(name) ?? '';
        expect(await c.whereActive(name)).toEqual([node]);
        expect(await c.prop(node, name, 'Environment')).toBe(`INSTANCE=${i + 1}`);
        expect(await c.prop(node, name, 'Description')).toBe(`web instance ${i + 1}`);
      }
      // The instances are spread: least-loaded placement uses all three machines.
      expect(new Set(where.values()).size).toBe(3);

      const units = ok(await tcp('list-units', '--fields', 'unit,load,active,sub,machine'));
      expect(tableCells(units.stdout)).toEqual([
        ['UNIT', 'LOAD', 'ACTIVE', 'SUB', 'MACHINE'],
        ...names.map((n) => [n, 'loaded', 'active', 'running', legendOf(where.get(n) ?? '')]),
      ]);
      expectAligned(units.stdout);

      const files = ok(
        await tcp('list-unit-files', '--no-legend', '--fields', 'unit,dstate,state,target,desc'),
      );
      // The description is the template's, as submitted; systemd expands %i itself (above).
      expect(tableCells(files.stdout)).toEqual(
        names.map((n) => [
          n,
          'launched',
          'launched',
          legendOf(where.get(n) ?? ''),
          'web instance %i',
        ]),
      );

      const json = JSON.parse(
        ok(await tcp('list-unit-files', '--output', 'json')).stdout,
      ) as unknown;
      expect(json).toEqual(
        names.map((n) => ({
          unit: n,
          hash: expect.stringMatching(/^[0-9a-f]{40}$/),
          dstate: 'launched',
          state: 'launched',
          target: c.node(where.get(n) ?? '').machineId,
        })),
      );

      const destroy = ok(await tcp('destroy', ...names));
      expect(destroy.stdout).toBe(names.map((n) => `Destroyed ${n}\n`).join(''));
      for (const n of names) expect(await c.whereActive(n)).toEqual([]);
    });

    it('replaces a changed unit with --replace: the new contents reach systemd', async () => {
      await write('replace.service', versioned(1));
      const path = file('replace.service');
      const first = ok(await tcp('start', path));
      const on = nodeOfLine(first.stdout, 'replace.service');
      expect(await c.prop(on, 'replace.service', 'Environment')).toBe('VERSION=1');
      const pid = await c.prop(on, 'replace.service', 'MainPID');

      await write('replace.service', versioned(2));
      const without = ok(await tcp('start', path));
      expect(without.stderr).toContain(
        `WARNING: Unit replace.service in registry differs from local unit file ${path}. Add --replace to override.`,
      );
      expect(await c.prop(on, 'replace.service', 'Environment')).toBe('VERSION=1');
      expect(ok(await tcp('cat', 'replace.service')).stdout).toContain('VERSION=1');

      const replaced = ok(await tcp('start', '--replace', path));
      expect(replaced.stdout).toMatch(/^Unit replace\.service launched on /m);
      const now = nodeOfLine(replaced.stdout, 'replace.service');
      expect(await c.whereActive('replace.service')).toEqual([now]);
      expect(await c.prop(now, 'replace.service', 'Environment')).toBe('VERSION=2');
      expect(await c.prop(now, 'replace.service', 'MainPID')).not.toBe(pid);
      expect(ok(await tcp('cat', 'replace.service')).stdout).toBe(
        [
          '[Service]',
          'Environment=VERSION=2',
          'ExecStart=/bin/sh -c \'echo "version $$VERSION"; exec sleep infinity\'',
          '',
        ].join('\n'),
      );
    });

    it('lists the machines with fleet columns, as JSON, and with health fields', async () => {
      const order = sortedNodes();
      const table = ok(await tcp('list-machines'));
      expect(tableCells(table.stdout)).toEqual([
        ['MACHINE', 'IP', 'METADATA', 'STATE'],
        ...order.map((n) => [
          `${c.node(n).machineId.slice(0, 8)}...`,
          c.node(n).address,
          `hostname=${n}`,
          'schedulable',
        ]),
      ]);
      expectAligned(table.stdout);
      const full = ok(await tcp('list-machines', '--full', '--no-legend'));
      expect(tableCells(full.stdout).map((r) => r[0])).toEqual(
        order.map((n) => c.node(n).machineId),
      );

      const json = JSON.parse(ok(await tcp('list-machines', '-o', 'json')).stdout) as unknown;
      expect(json).toEqual(
        order.map((n) => ({
          machine: c.node(n).machineId,
          ip: c.node(n).address,
          metadata: { hostname: n },
          state: 'schedulable',
        })),
      );

      const versions = new Map((await c.api().listMachines()).map((m) => [m.id, m.version]));
      const health = ok(await tcp('list-machines', '--fields', 'machine,ip,systemd,version'));
      expect(tableCells(health.stdout)).toEqual([
        ['MACHINE', 'IP', 'SYSTEMD', 'VERSION'],
        ...order.map((n) => [
          `${c.node(n).machineId.slice(0, 8)}...`,
          c.node(n).address,
          expect.stringMatching(/^(running|degraded)$/),
          versions.get(c.node(n).machineId),
        ]),
      ]);
      for (const v of versions.values()) expect(v).toMatch(/^\d+\.\d+\.\d+/);
      const more = JSON.parse(
        ok(await tcp('list-machines', '-o', 'json', '--fields', 'machine,load,memory,uptime'))
          .stdout,
      ) as { machine: string; load: number[]; memory: { totalBytes: number }; uptime: number }[];
      expect(more.map((m) => m.machine)).toEqual(order.map((n) => c.node(n).machineId));
      for (const m of more) {
        expect(m.load).toHaveLength(3);
        expect(m.memory.totalBytes).toBeGreaterThan(0);
        expect(m.uptime).toBeGreaterThanOrEqual(0);
      }
      const bad = await tcp('list-machines', '--fields', 'machine,nope');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Invalid key in output format: "nope"');
    });
  });

  describe('bad input', () => {
    it('refuses a malformed unit file and impossible options, and changes nothing', async () => {
      await write('broken.service', '[Service\nExecStart=/bin/true\n');
      await write(
        'pinned-global.service',
        `${HELLO}\n[X-Fleet]\nMachineID=${c.node('node1').machineId}\nGlobal=true\n`,
      );
      const broken = await tcp('start', file('broken.service'));
      expect(broken.code).toBe(1);
      expect(broken.stdout).toBe('');
      expect(broken.stderr).toMatch(
        /^Error creating units: .*section header "\[Service" has no closing "\]"\n$/,
      );
      const impossible = await tcp('load', file('pinned-global.service'));
      expect(impossible).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'Error creating units: invalid unit options: MachineID cannot be used with Global\n',
      });
      expect(ok(await tcp('list-unit-files', '--no-legend')).stdout).toBe('');
      for (const m of c.nodes)
        expect(await c.prop(m.name, 'broken.service', 'LoadState')).toBe('not-found');
    });
  });

  describe('on a machine of the cluster, as the README shows', () => {
    it("runs the package's fleetctl on the local socket; status and journal of a local unit need no SSH", async () => {
      // fleetctl as the .deb installs it (/usr/bin/fleetctl, in PATH); the example unit copied in.
      const inside = (node: string, ...args: string[]) => c.node(node).exec('fleetctl', args);
      const init = c.node('node2').initProcess?.pid;
      if (init === undefined) throw new Error('node2 is not running');
      await writeFile(
        `/proc/${init}/root/root/hello.service`,
        await readFile(new URL('../units/examples/hello.service', import.meta.url), 'utf8'),
      );
      const start = await inside('node2', 'start', '/root/hello.service');
      expect(start.code, start.stderr).toBe(0);
      const on = nodeOfLine(start.stdout, 'hello.service');
      expect(await c.whereActive('hello.service')).toEqual([on]);
      expect(tableCells((await inside('node2', 'list-units', '--no-legend')).stdout)).toEqual([
        ['hello.service', legendOf(on), 'active', 'running'],
      ]);
      const status = await inside(on, 'status', 'hello.service');
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/Active: active \(running\)/);
      const journal = await waitFor(
        async () => {
          const r = await inside(on, 'journal', 'hello.service');
          return r.code === 0 && r.stdout.includes(`Hello from ${on}`) ? r : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: `"Hello from ${on}" in the journal` },
      );
      expect(journal.stderr).toBe('');
      // From another machine it is SSH, with strict host key checking: root there knows no hosts.
      const other = c.nodes.find((m) => m.name !== on)?.name ?? '';
      const remote = await inside(other, 'status', 'hello.service');
      expect(remote.code).toBe(255);
      expect(remote.stderr).toContain(
        `The authenticity of host '${c.node(on).address}' can't be established.`,
      );
      expect(remote.stderr).toContain('Host key verification failed.');
    });
  });

  describe('units systemd cannot run', () => {
    it('fails `start` when systemd reports the unit failed; a finished oneshot counts as started', async () => {
      await write('fails.service', '[Service]\nType=oneshot\nExecStart=/bin/false\n');
      await write('once.service', '[Service]\nType=oneshot\nExecStart=/bin/true\n');
      const r = await tcp(
        'start',
        '--block-attempts=15',
        file('fails.service'),
        file('once.service'),
      );
      expect(r.code).toBe(1);
      const once = nodeOfLine(r.stdout, 'once.service');
      expect(r.stdout).toBe(`Unit once.service launched on ${legendOf(once)}\n`);
      expect(await c.prop(once, 'once.service', 'Result')).toBe('success');
      expect(r.stderr).toMatch(
        /^Error waiting for units: unit fails\.service failed to start on ([0-9a-f]{8})\.\.\.\/(\S+): systemd reports failed \(failed\); see 'fleetctl status fails\.service' and 'fleetctl journal fails\.service'\n$/,
      );
      const fails = nodeOfLine(
        r.stderr.replace('Error waiting for units: unit', 'Unit'),
        'fails.service',
      );
      expect(await c.prop(fails, 'fails.service', 'ActiveState')).toBe('failed');
      expect(await c.prop(fails, 'fails.service', 'Result')).toBe('exit-code');
      const units = tableCells(ok(await tcp('list-units', '--no-legend')).stdout);
      expect(units).toEqual([
        ['fails.service', legendOf(fails), 'failed', 'failed'],
        ['once.service', legendOf(once), 'inactive', 'dead'],
      ]);
      const restart = await tcp('restart', 'nothing-here.service');
      expect(restart.code).toBe(1);
    });
  });

  describe('a unit no machine can take', () => {
    it('fails `start` with the scheduler reason, within its block attempts and without a limit', async () => {
      const unit = (name: string) =>
        write(name, `${HELLO}\n[X-Fleet]\nMachineMetadata=region=nowhere\n`);
      await unit('nowhere.service');
      await unit('nowhere-unlimited.service');
      const [limited, unlimited] = await Promise.all([
        tcp('start', '--block-attempts=2', file('nowhere.service')),
        tcp('start', file('nowhere-unlimited.service')),
      ]);
      expect(limited.code).toBe(1);
      expect(limited.stdout).toBe('');
      expect(limited.stderr).toMatch(
        /^Error waiting for units: timed out waiting for unit nowhere\.service to report state launched.*: .*no machine has metadata region=nowhere\n$/,
      );
      expect(unlimited.code).toBe(1);
      expect(unlimited.stderr).toMatch(
        /^Error waiting for units: unit nowhere-unlimited\.service cannot be scheduled: no machine has metadata region=nowhere \(unchanged for \d+ s; it stays submitted/,
      );
      expect(await c.whereActive('nowhere.service')).toEqual([]);
      const files = ok(
        await tcp('list-unit-files', '--no-legend', '--fields', 'unit,dstate,state,target,reason'),
      );
      expect(
        files.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => l.split(/\t+/)),
      ).toEqual([
        [
          'nowhere-unlimited.service',
          'launched',
          'inactive',
          '-',
          'no machine has metadata region=nowhere',
        ],
        ['nowhere.service', 'launched', 'inactive', '-', 'no machine has metadata region=nowhere'],
      ]);
    });

    it('is listed by list-units and status with every missing key; --strict refuses a typo', async () => {
      const md = 'MachineMetadata=region=eu\nMachineMetadata=disk=ssd';
      await write('picky.service', `${HELLO}\n[X-Fleet]\n${md}\n`);
      ok(await tcp('start', '--no-block', file('picky.service')));
      const why = 'no machine has metadata disk=ssd or region=eu';
      const row = await waitFor(
        async () =>
          tableCells(ok(await tcp('list-units', '--no-legend')).stdout).find(
            (cells) => cells[0] === 'picky.service' && cells[4] === why,
          ),
        { timeoutMs: 20_000, intervalMs: 250, what: 'picky.service and its reason in list-units' },
      );
      expect(row).toEqual(['picky.service', '-', '-', '-', why]);
      expect(await tcp('status', 'picky.service')).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `Unit picky.service is not scheduled: ${why}\n`,
      });
      await write('typo.service', `${HELLO}\n[X-Fleet]\nMachineMetdata=region=eu\n`);
      expect(await tcp('--strict', 'start', file('typo.service'))).toMatchObject({
        code: 1,
        stdout: '',
        stderr:
          'Error creating units: Unit typo.service: unknown [X-Fleet] key "MachineMetdata" ' +
          '(did you mean "MachineMetadata"?); --strict refuses it\n',
      });
      expect((await c.api().listUnits()).map((u) => u.name)).toEqual(['picky.service']);
    });
  });

  describe('ssh, status and journal through --tunnel', () => {
    it('reaches a unit and its machine', async () => {
      await write('hello.service', HELLO);
      const start = ok(await tunnel('node2', 'start', file('hello.service')));
      const on = nodeOfLine(start.stdout, 'hello.service');
      expect(await c.whereActive('hello.service')).toEqual([on]);

      const status = await tunnel('node2', 'status', 'hello.service');
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/hello\.service - fleetctl e2e hello/);
      expect(status.stdout).toMatch(/Active: active \(running\)/);
      expect(status.stdout).toContain(`Main PID: ${await c.prop(on, 'hello.service', 'MainPID')}`);

      const journal = await waitFor(
        async () => {
          const r = await tunnel('node2', 'journal', '--lines', '5', 'hello');
          return r.code === 0 && r.stdout.includes(`hello from ${on}`) ? r : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'the journal of hello.service' },
      );
      // journalctl's short format names the host the line was logged on.
      expect(journal.stdout).toMatch(new RegExp(` ${on} sh\\[\\d+\\]: hello from ${on}$`, 'm'));

      expect(ok(await tunnel('node2', 'ssh', 'hello.service', 'cat /etc/hostname')).stdout).toBe(
        `${on}\n`,
      );
      const byUnit = await tunnel(
        'node2',
        'ssh',
        '--unit',
        'hello',
        '--',
        'sh',
        '-c',
        'systemctl is-active hello.service; exit 3',
      );
      expect(byUnit).toEqual({ code: 3, stdout: 'active\n', stderr: '' });
      const prefix = c.node('node3').machineId.slice(0, 10);
      const byMachine = await tunnel('node2', 'ssh', '--machine', prefix, 'cat', '/etc/hostname');
      expect(byMachine).toEqual({ code: 0, stdout: 'node3\n', stderr: '' });
      // -A forwards the agent: from node3, the harness key logs in on node1 (ssh-add -l in between).
      const hop = await tunnel(
        'node2',
        '-A',
        'ssh',
        '--machine',
        prefix,
        '--',
        'sh',
        '-c',
        `ssh-add -l >/dev/null && ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@${c.node('node1').address} cat /etc/hostname`,
      );
      expect(hop).toEqual({ code: 0, stdout: 'node1\n', stderr: '' });
      const noHop = await tunnel('node2', 'ssh', '--machine', prefix, 'test -z "$SSH_AUTH_SOCK"');
      expect(noHop.code).toBe(0);

      // The API through the tunnel to another machine's TCP endpoint (direct-tcpip).
      const viaTcp = ok(
        await tunnel('node2', '--endpoint', c.tcpEndpoint('node1'), 'list-units', '--no-legend'),
      );
      expect(tableCells(viaTcp.stdout)).toEqual([
        ['hello.service', legendOf(on), 'active', 'running'],
      ]);

      // A loaded, stopped unit: systemctl status says so and its exit status (3) comes back.
      ok(await tunnel('node2', 'stop', 'hello.service'));
      const stopped = await tunnel('node2', 'status', 'hello.service');
      expect(stopped.code).toBe(3);
      expect(stopped.stdout).toMatch(/Active: inactive \(dead\)/);

      // A shell on the unit's machine, fed from stdin (no pseudo-terminal: stdin is a pipe).
      const shell = await seat.fleetctl(
        [
          '--tunnel',
          c.node('node2').address,
          '--ssh-username',
          'root',
          '--known-hosts-file',
          c.machines.knownHosts,
          'ssh',
          'hello',
        ],
        { stdin: 'cat /etc/hostname\nexit 5\n' },
      );
      // (sshd greets a shell session with the machine's motd first.)
      expect(shell.code).toBe(5);
      expect(shell.stdout).toMatch(new RegExp(`^Linux ${on} [^]*\\n${on}\\n$`));

      // A unit that is only submitted is on no machine: nothing to ask systemd about.
      ok(await tunnel('node2', 'unload', 'hello.service'));
      const unloaded = await tunnel('node2', 'status', 'hello.service');
      expect(unloaded).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Unit hello.service does not appear to be loaded.\n',
      });
      const noJournal = await tunnel('node2', 'journal', 'hello.service');
      expect(noJournal).toEqual({
        code: 1,
        stdout: '',
        stderr: 'Unit hello.service does not appear to be running.\n',
      });
      const noSsh = await tunnel('node2', 'ssh', '--unit', 'hello.service', 'true');
      expect(noSsh.code).toBe(1);
      expect(noSsh.stderr).toContain('unit hello.service is not running on any machine');
    });

    it('reaches every machine of a global unit (flags also from FLEETCTL_* variables)', async () => {
      await write('global-hello.service', `${HELLO}\n[X-Fleet]\nGlobal=true\n`);
      const start = ok(await tunnel('node3', 'start', file('global-hello.service')));
      expect(start.stdout).toBe('Triggered global unit global-hello.service start\n');
      await waitFor(async () => (await c.whereActive('global-hello.service')).length === 3, {
        timeoutMs: 30_000,
        what: 'global-hello.service active on every machine',
      });
      const order = sortedNodes();
      const want = order.map((n) => ['global-hello.service', legendOf(n), 'active', 'running']);
      const listed = async () =>
        tableCells(ok(await tunnel('node3', 'list-units', '--no-legend')).stdout);
      // systemd runs it first; each agent publishes the state a moment later.
      await waitFor(async () => JSON.stringify(await listed()) === JSON.stringify(want), {
        timeoutMs: 15_000,
        what: 'list-units to show global-hello.service active on every machine',
      });
      expect(await listed()).toEqual(want);
      const files = tableCells(ok(await tunnel('node3', 'list-unit-files', '--no-legend')).stdout);
      expect(files).toEqual([
        ['global-hello.service', expect.stringMatching(/^[0-9a-f]{7}$/), 'launched', '-', 'global'],
      ]);

      const status = ok(await tunnel('node3', 'status', 'global-hello.service'));
      const headers = status.stdout.split('\n').filter((l) => l.startsWith('Global unit '));
      expect(headers).toEqual(
        order.map((n) => `Global unit global-hello.service on ${legendOf(n)}:`),
      );
      expect(status.stdout.match(/Active: active \(running\)/g)).toHaveLength(3);

      const env = {
        FLEETCTL_TUNNEL: c.node('node1').address,
        FLEETCTL_SSH_USERNAME: 'root',
        FLEETCTL_KNOWN_HOSTS_FILE: c.machines.knownHosts,
      };
      const journal = await waitFor(
        async () => {
          const r = await seat.fleetctl(['journal', 'global-hello'], { env });
          return r.code === 0 && order.every((n) => r.stdout.includes(`hello from ${n}`))
            ? r
            : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'the journal of global-hello.service' },
      );
      const sections = journal.stdout.split(/^Global unit global-hello\.service on /m).slice(1);
      expect(sections.map((s) => s.slice(0, s.indexOf(':\n')))).toEqual(order.map(legendOf));
      for (const [i, n] of order.entries()) expect(sections[i]).toContain(`hello from ${n}`);

      const ssh = ok(
        await seat.fleetctl(['ssh', '--unit', 'global-hello', 'cat /etc/hostname'], { env }),
      );
      expect(ssh.stdout).toBe(order.map((n) => `=== ${legendOf(n)} ===\n${n}\n`).join(''));
      const shell = await seat.fleetctl(['ssh', 'global-hello.service'], { env });
      expect(shell.code).toBe(1);
      expect(shell.stderr).toContain('the unit runs on 3 machines');
      expect(shell.stderr).toContain('pick one with --machine');

      // --replace reaches every machine of a global unit.
      await write(
        'global-hello.service',
        `${HELLO}Environment=GREETING=v2\n\n[X-Fleet]\nGlobal=true\n`,
      );
      const replaced = await seat.fleetctl(['start', '--replace', file('global-hello.service')], {
        env,
      });
      expect(replaced.code, replaced.stderr).toBe(0);
      await waitFor(
        async () => {
          const envs = await Promise.all(
            order.map((n) => c.prop(n, 'global-hello.service', 'Environment')),
          );
          return envs.every((e) => e === 'GREETING=v2');
        },
        { timeoutMs: 30_000, what: 'the replaced global-hello.service on every machine' },
      );
      await waitFor(async () => (await c.whereActive('global-hello.service')).length === 3, {
        timeoutMs: 30_000,
        what: 'the replaced global-hello.service active on every machine',
      });

      const pids = () =>
        Promise.all(order.map((n) => c.prop(n, 'global-hello.service', 'MainPID')));
      const before = await pids();
      const restart = ok(await seat.fleetctl(['restart', 'global-hello'], { env }));
      expect(restart.stdout).toBe(
        ['loaded', 'launched']
          .flatMap((state) =>
            order.map((n) => `Unit global-hello.service ${state} on ${legendOf(n)}\n`),
          )
          .join(''),
      );
      expect(await c.whereActive('global-hello.service')).toEqual(['node1', 'node2', 'node3']);
      const after = await pids();
      for (const [i, pid] of after.entries()) {
        expect(Number(pid)).toBeGreaterThan(0);
        expect(pid).not.toBe(before[i]);
      }

      // Stop, unload and destroy reach every machine too.
      const stop = ok(await seat.fleetctl(['stop', 'global-hello'], { env }));
      expect(stop.stdout).toBe('Triggered global unit global-hello.service stop\n');
      await waitFor(async () => (await c.whereActive('global-hello.service')).length === 0, {
        timeoutMs: 30_000,
        what: 'global-hello.service stopped on every machine',
      });
      for (const n of order)
        expect(await c.prop(n, 'global-hello.service', 'LoadState')).toBe('loaded');
      const unload = ok(await seat.fleetctl(['unload', 'global-hello'], { env }));
      expect(unload.stdout).toBe('Triggered global unit global-hello.service unload\n');
      await waitFor(
        async () => {
          const states = await Promise.all(
            order.map((n) => c.prop(n, 'global-hello.service', 'LoadState')),
          );
          return states.every((s) => s === 'not-found');
        },
        { timeoutMs: 30_000, what: 'global-hello.service unloaded from every machine' },
      );
      const destroy = ok(await seat.fleetctl(['destroy', 'global-hello'], { env }));
      expect(destroy.stdout).toBe('Destroyed global-hello.service\n');
      expect((await c.registry.listUnitStates()).items).toEqual([]);
    });
  });

  describe('host keys', () => {
    /** A known_hosts file giving node1's address node2's host key (a different ed25519 key). */
    const wrongKnownHosts = async (): Promise<string> => {
      const path = file('wrong_known_hosts');
      const [type, key] = c.node('node2').hostKey.publicKey.split(' ');
      await writeFile(path, `${c.node('node1').address} ${type ?? ''} ${key ?? ''}\n`);
      return path;
    };

    it('refuses a machine whose key differs from known_hosts; connects without strict checking', async () => {
      const wrong = await wrongKnownHosts();
      const before = await readFile(wrong, 'utf8');
      const base = ['--ssh-username', 'root', '--known-hosts-file', wrong];
      const viaTunnel = await seat.fleetctl([
        ...base,
        '--tunnel',
        c.node('node1').address,
        'list-machines',
      ]);
      expect(viaTunnel.code).toBe(1);
      expect(viaTunnel.stdout).toBe('');
      expect(viaTunnel.stderr).toContain('WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!');
      expect(viaTunnel.stderr).toContain(`Offending ED25519 key in ${wrong}:1`);
      expect(viaTunnel.stderr).toMatch(
        new RegExp(
          `failed initializing SSH tunnel: host key verification failed for ${c.node('node1').address.replaceAll('.', '\\.')}: host key mismatch`,
        ),
      );

      const id = c.node('node1').machineId;
      const endpoint = ['--endpoint', c.tcpEndpoint('node2')];
      const ssh = await seat.fleetctl([
        ...base,
        ...endpoint,
        'ssh',
        '--machine',
        id,
        'cat /etc/hostname',
      ]);
      expect(ssh.code).toBe(255);
      expect(ssh.stdout).toBe('');
      expect(ssh.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');

      const lax = ['--strict-host-key-checking=false'];
      const listed = ok(
        await seat.fleetctl([
          ...base,
          ...lax,
          '--tunnel',
          c.node('node1').address,
          'list-machines',
          '--no-legend',
        ]),
      );
      expect(tableCells(listed.stdout)).toHaveLength(3);
      const sshed = ok(
        await seat.fleetctl([
          ...base,
          ...lax,
          ...endpoint,
          'ssh',
          '--machine',
          id,
          'cat /etc/hostname',
        ]),
      );
      expect(sshed.stdout).toBe('node1\n');
      // Strict checking off still compares the key: the change is reported, then it connects.
      expect(sshed.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED!');
      expect(await readFile(wrong, 'utf8')).toBe(before);
    });

    it('asks about an unknown machine: refuses without an answer, remembers it after "yes"', async () => {
      const path = file('empty_known_hosts');
      await writeFile(path, '');
      const args = [
        '--ssh-username',
        'root',
        '--known-hosts-file',
        path,
        '--endpoint',
        c.tcpEndpoint('node1'),
        'ssh',
        '--machine',
        c.node('node3').machineId,
        'cat /etc/hostname',
      ];
      const refused = await seat.fleetctl(args);
      expect(refused.code).toBe(255);
      expect(refused.stderr).toContain(
        `The authenticity of host '${c.node('node3').address}' can't be established.`,
      );
      expect(refused.stderr).toContain('Host key verification failed.');
      expect(await readFile(path, 'utf8')).toBe('');

      // Piped input never answers the question (it is asked on the terminal): refused.
      const piped = await seat.fleetctl(args, { stdin: 'yes\n' });
      expect(piped.code).toBe(255);
      expect(await readFile(path, 'utf8')).toBe('');

      const accepted = await fleetctlOnTerminal(seat, args, 'yes\n');
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.terminal).toContain(
        'Are you sure you want to continue connecting (yes/no)? ',
      );
      expect(accepted.stdout).toBe('node3\n');
      expect(accepted.stderr).toContain(
        `Warning: Permanently added '${c.node('node3').address}' (ED25519) to the list of known hosts.`,
      );
      const [type, key] = c.node('node3').hostKey.publicKey.split(' ');
      expect(await readFile(path, 'utf8')).toBe(
        `${c.node('node3').address} ${type ?? ''} ${key ?? ''}\n`,
      );
      expect(await seat.fleetctl(args)).toEqual({ code: 0, stdout: 'node3\n', stderr: '' });
    });

    it('authenticates with the agent or a key file, and says what it tried when neither is there', async () => {
      const args = [
        '--ssh-username',
        'root',
        '--known-hosts-file',
        c.machines.knownHosts,
        '--endpoint',
        c.tcpEndpoint('node1'),
        'ssh',
        '--machine',
        c.node('node2').machineId,
        'cat /etc/hostname',
      ];
      const none = await seat.fleetctl(args, { env: { SSH_AUTH_SOCK: '' } });
      expect(none.code).toBe(255);
      expect(none.stderr).toContain(
        `SSH authentication failed for root@${c.node('node2').address}:22 (no ssh-agent (SSH_AUTH_SOCK) and no key file to offer)`,
      );
      const keyFile = await seat.fleetctl(['-i', c.machines.sshKey.path, ...args], {
        env: { SSH_AUTH_SOCK: '' },
      });
      expect(keyFile).toEqual({ code: 0, stdout: 'node2\n', stderr: '' });
      expect(await seat.fleetctl(args)).toEqual({ code: 0, stdout: 'node2\n', stderr: '' });
    });
  });
});
