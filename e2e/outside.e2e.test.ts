// "Nothing from outside breaks it": fleetctl against three real machines, where an operator's
// routine command or an odd unit once broke or hung things. submit leaves a running unit alone;
// start finishes for units systemd will not load or that exit at once; restart of a global unit
// goes through the cluster with no SSH configured at all; control characters from the cluster
// never reach the terminal raw.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@fleet/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, FleetctlSeat, type RunResult } from './src/index.js';

const SLEEPER =
  "[Unit]\nDescription=sleeper\n\n[Service]\nExecStart=/bin/sh -c 'exec sleep infinity'\n";
const LEGEND = /([0-9a-f]{8})\.\.\.\/(127\.\d+\.\d+\.\d+)/;
/** What fleetctl may never print raw: C0 controls other than tab and newline, DEL, C1. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/; // eslint-disable-line no-control-regex

describe('fleetctl from outside: routine commands and odd units on 3 machines', () => {
  let c: Cluster;
  let seat: FleetctlSeat;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3 });
    // No ssh-agent, no key, no known_hosts: nothing here may need SSH.
    seat = await FleetctlSeat.create();
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
  /** fleetctl on node1's TCP endpoint; a hang is a failure after 60 s. */
  const tcp = (...args: string[]) =>
    seat.fleetctl(['--endpoint', c.tcpEndpoint('node1'), ...args], { timeoutMs: 60_000 });
  const ok = (r: RunResult) => {
    expect(r.code, `exit status; stderr: ${r.stderr}`).toBe(0);
    return r;
  };
  /** The node a `... on <legend>` line names. */
  const nodeOf = (line: string): string => {
    const m = LEGEND.exec(line);
    const node = c.nodes.find((n) => n.address === m?.[2] && n.machineId.startsWith(m[1] ?? '-'));
    if (node === undefined) throw new Error(`no machine legend in ${JSON.stringify(line)}`);
    return node.name;
  };
  const legendOf = (node: string) =>
    `${c.node(node).machineId.slice(0, 8)}.../${c.node(node).address}`;

  it('submit of the file of a running unit leaves it running (same MainPID)', async () => {
    await write('sleeper.service', SLEEPER);
    const on = nodeOf(ok(await tcp('start', file('sleeper.service'))).stdout);
    const pid = await c.prop(on, 'sleeper.service', 'MainPID');
    expect(Number(pid)).toBeGreaterThan(0);

    expect(await tcp('submit', file('sleeper.service'))).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
    expect((await c.api().getUnit('sleeper.service'))?.desiredState).toBe('launched');
    expect(await c.prop(on, 'sleeper.service', 'ActiveState')).toBe('active');
    expect(await c.prop(on, 'sleeper.service', 'MainPID')).toBe(pid);
    // And list-units still shows it running where it was.
    const units = ok(await tcp('list-units', '--no-legend', '--fields', 'unit,machine,sub'));
    expect(units.stdout).toBe(`sleeper.service\t${legendOf(on)}\trunning\n`);
  });

  it('start of a unit systemd will not load fails promptly with its load state', async () => {
    // [Service] without ExecStart=: systemd refuses it, LoadState=bad-setting.
    await write('broken.service', '[Service]\nType=simple\n');
    const r = await tcp('start', file('broken.service'));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^Error waiting for units: unit broken\.service cannot be started on [0-9a-f]{8}\.\.\.\/127\S+: systemd cannot load it \(load state bad-setting\); see 'fleetctl status broken\.service' and 'fleetctl journal broken\.service'\n$/,
    );
    expect(await c.prop(nodeOf(r.stderr), 'broken.service', 'LoadState')).toBe('bad-setting');
  }, 60_000);

  it('start of a simple service that exits 0 at once counts as started', async () => {
    await write('quick.service', '[Service]\nExecStart=/bin/true\n');
    const r = ok(await tcp('start', file('quick.service')));
    // Usually seen after it exited; an early poll may still catch it running.
    expect(r.stdout).toMatch(
      /^Unit quick\.service launched on [0-9a-f]{8}\.\.\.\/127\S+( \(ran and exited\))?\n$/,
    );
    expect(r.stderr).toBe('');
    expect(await c.prop(nodeOf(r.stdout), 'quick.service', 'Result')).toBe('success');
  }, 60_000);

  it('restarts a global unit on every machine through the cluster, with no SSH at all', async () => {
    await write('everywhere.service', `${SLEEPER}\n[X-Fleet]\nGlobal=true\n`);
    expect(ok(await tcp('start', file('everywhere.service'))).stdout).toBe(
      'Triggered global unit everywhere.service start\n',
    );
    await waitFor(async () => (await c.whereActive('everywhere.service')).length === 3, {
      timeoutMs: 30_000,
      what: 'everywhere.service active on every machine',
    });
    const nodes = [...c.nodes]
      .sort((a, b) => (a.machineId < b.machineId ? -1 : 1))
      .map((n) => n.name);
    const pids = () => Promise.all(nodes.map((n) => c.prop(n, 'everywhere.service', 'MainPID')));
    const before = await pids();

    // The seat has no agent, no key and an empty HOME: SSH could not even authenticate.
    const r = ok(await tcp('restart', 'everywhere.service'));
    expect(r.stdout).toBe(
      ['loaded', 'launched']
        .flatMap((s) => nodes.map((n) => `Unit everywhere.service ${s} on ${legendOf(n)}\n`))
        .join(''),
    );
    expect(r.stderr).toBe('');
    expect(await c.whereActive('everywhere.service')).toEqual(['node1', 'node2', 'node3']);
    const after = await pids();
    for (const [i, pid] of after.entries()) {
      expect(Number(pid)).toBeGreaterThan(0);
      expect(pid).not.toBe(before[i]);
    }
  });

  it('restarts a global service that exits 0 at once: every copy ran again, and restart returns', async () => {
    // Each run leaves a line (systemd forgets an inactive unit's timestamps when it unloads it).
    await write(
      'oneshot-everywhere.service',
      "[Service]\nExecStart=/bin/sh -c 'echo ran >> /run/oneshot-everywhere.runs'\n\n" +
        '[X-Fleet]\nGlobal=true\n',
    );
    ok(await tcp('start', file('oneshot-everywhere.service')));
    const runs = () =>
      Promise.all(
        c.nodes.map(async (n) => {
          const r = await n.exec('cat', ['/run/oneshot-everywhere.runs']);
          return r.code === 0 ? r.stdout.split('\n').filter((l) => l === 'ran').length : 0;
        }),
      );
    await waitFor(async () => (await runs()).every((n) => n === 1), {
      timeoutMs: 30_000,
      what: 'oneshot-everywhere.service run once on every machine',
    });
    // Without the agents' own state, an exited copy looked not started: restart waited for ever.
    const r = ok(await tcp('restart', 'oneshot-everywhere.service'));
    expect(r.stdout.split('\n').filter((l) => l.includes(' launched on '))).toHaveLength(3);
    await waitFor(async () => (await runs()).every((n) => n === 2), {
      timeoutMs: 30_000,
      what: 'oneshot-everywhere.service run again on every machine',
    });
  });

  it('runs .target and .slice units from any API client once, then leaves them alone, and destroy removes them', async () => {
    // The agent once did not list these types in its units directory: every pass wrote,
    // daemon-reloaded and started them again (on every machine, for a global one), their state
    // never showed launched, and destroy left them running.
    const api = c.api();
    const desc = (what: string) => ({ section: 'Unit', name: 'Description', value: what });
    await api.createUnit({
      name: 'group.target',
      desiredState: 'launched',
      options: [desc('group'), { section: 'X-Fleet', name: 'Global', value: 'true' }],
    });
    await api.createUnit({ name: 'work.slice', desiredState: 'launched', options: [desc('w')] });
    await waitFor(
      async () =>
        (await c.whereActive('group.target')).length === 3 &&
        (await c.whereActive('work.slice')).length === 1 &&
        (await api.getUnit('work.slice'))?.currentState === 'launched',
      { timeoutMs: 30_000, what: 'group.target on every machine and work.slice launched' },
    );
    const counters = async () =>
      Promise.all(
        c.nodes.map(async (n) => {
          const m = await c.metrics(n.name);
          const passes = m.get('fleet_agent_passes_total') ?? 0;
          return { passes, tasks: m.get('fleet_agent_tasks_total') ?? 0 };
        }),
      );
    const before = await counters();
    // Three more agent passes on every machine: none may act on these units again.
    await waitFor(
      async () => (await counters()).every((now, i) => now.passes >= (before[i]?.passes ?? 0) + 3),
      { timeoutMs: 60_000, what: 'three more agent passes on every machine' },
    );
    expect((await counters()).map((x) => x.tasks)).toEqual(before.map((x) => x.tasks));

    await api.destroyUnit('group.target');
    await api.destroyUnit('work.slice');
    const unitFiles = async () =>
      (await Promise.all(c.nodes.map((n) => n.exec('ls', ['/run/fleet/units'])))).map(
        (r) => r.stdout,
      );
    await waitFor(async () => (await unitFiles()).every((files) => files === ''), {
      timeoutMs: 30_000,
      what: 'every unit file removed',
    });
    expect(await c.whereActive('group.target')).toEqual([]);
    expect(await c.whereActive('work.slice')).toEqual([]);
  }, 120_000);

  it('prints no raw control characters from metadata or unit descriptions', async () => {
    const nasty = '\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x1b[1;1Hfake\x9b';
    await c
      .api()
      .patchMachineMetadata([
        { op: 'add', path: `/${c.node('node2').machineId}/metadata/note`, value: nasty },
      ]);
    try {
      await write(
        'nasty.service',
        `[Unit]\nDescription=${nasty}\n\n[Service]\nExecStart=/bin/true\n`,
      );
      ok(await tcp('submit', file('nasty.service')));
      const outputs = [
        await tcp('list-machines', '--fields', 'machine,ip,metadata'),
        await tcp('list-unit-files', '--fields', 'unit,desc'),
        await tcp('cat', 'nasty.service'),
      ];
      for (const r of outputs) {
        ok(r);
        expect(r.stdout).not.toMatch(RAW_CONTROL);
        expect(r.stdout).toContain('\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2J');
      }
    } finally {
      await c
        .api()
        .patchMachineMetadata([
          { op: 'remove', path: `/${c.node('node2').machineId}/metadata/note` },
        ]);
    }
  });
});
