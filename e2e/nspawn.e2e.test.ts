import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NspawnMachine } from './src/machine.js';
import { bootMachines, type Machines } from './src/machines.js';
import { isAlive, type ProcessId } from './src/proc.js';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The PIDs in a unit's cgroup as the machine sees them, from the v2 hierarchy. */
async function unitProcs(m: NspawnMachine, unit: string): Promise<string[]> {
  const cg = (await m.exec('systemctl', ['show', '-P', 'ControlGroup', unit])).stdout.trim();
  const res = await m.exec('sh', [
    '-c',
    `cat /sys/fs/cgroup/unified${cg}/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup${cg}/cgroup.procs`,
  ]);
  expect(res, res.stderr).toMatchObject({ code: 0 });
  return res.stdout.split('\n').filter((l) => l !== '');
}

// The tests share two machines and run in order; the last one shuts them down.
describe('two machines in systemd-nspawn', () => {
  let machines: Machines;
  const started: ProcessId[] = [];

  beforeAll(async () => {
    const t0 = Date.now();
    machines = await bootMachines(2);
    process.stderr.write(`[e2e] 2 machines booted in ${Date.now() - t0} ms\n`);
    for (const m of machines.list) {
      for (const p of [m.nspawnProcess, m.initProcess]) if (p !== undefined) started.push(p);
    }
  });

  afterAll(async () => {
    await machines?.teardown();
  });

  it('gives each machine its own machine ID, the one bound onto /etc/machine-id', async () => {
    const [node1, node2] = machines.list;
    expect(node1?.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(node1?.machineId).not.toBe(node2?.machineId);
    for (const m of machines.list) {
      const res = await m.exec('cat', ['/etc/machine-id']);
      expect(res.stdout.trim()).toBe(m.machineId);
      expect((await m.exec('hostname')).stdout.trim()).toBe(m.name);
    }
  });

  it('reaches each machine over SSH on its own loopback address, host key checked', async () => {
    for (const m of machines.list) {
      const res = await machines.ssh(m, 'cat /etc/machine-id');
      expect(res, res.stderr).toMatchObject({ code: 0 });
      expect(res.stdout.trim()).toBe(m.machineId);
    }
  });

  it('runs a unit through each machine’s systemd, and stopping it on one leaves the other', async () => {
    for (const m of machines.list) {
      const res = await m.exec('systemd-run', [
        '--unit=fleet-probe',
        '--property=Type=simple',
        '/bin/sleep',
        '1000',
      ]);
      expect(res, res.stderr).toMatchObject({ code: 0 });
      expect((await m.exec('systemctl', ['is-active', 'fleet-probe'])).stdout.trim()).toBe(
        'active',
      );
    }
    const [node1, node2] = machines.list;
    if (node1 === undefined || node2 === undefined) throw new Error('expected two machines');
    const pid1 = (await node1.exec('systemctl', ['show', '-P', 'MainPID', 'fleet-probe'])).stdout;
    expect(Number(pid1)).toBeGreaterThan(1);

    // Each machine has a cgroup tree of its own: node1's unit cgroup holds node1's process only
    // (a shared tree would list node2's process too, as PID 0), and stopping the unit in node2
    // leaves node1's running.
    expect(await unitProcs(node1, 'fleet-probe')).toEqual([pid1.trim()]);
    expect((await node2.exec('systemctl', ['stop', 'fleet-probe'])).code).toBe(0);
    expect((await node2.exec('systemctl', ['is-active', 'fleet-probe'])).stdout.trim()).toBe(
      'inactive',
    );
    expect((await node1.exec('systemctl', ['is-active', 'fleet-probe'])).stdout.trim()).toBe(
      'active',
    );
    expect((await node1.exec('systemctl', ['show', '-P', 'MainPID', 'fleet-probe'])).stdout).toBe(
      pid1,
    );
  });

  it('stops one machine cleanly and cuts the power of the other, leaving nothing behind', async () => {
    const [node1, node2] = machines.list;
    if (node1 === undefined || node2 === undefined) throw new Error('expected two machines');
    const cgroups = machines.list.flatMap((m) => m.cgroupDirs);
    expect(cgroups.length).toBeGreaterThan(0);

    await node1.stop();
    expect(node1.console(5)).toMatch(/has been shut down/);
    await node2.kill();
    await machines.teardown();

    expect(started).toHaveLength(4);
    for (const p of started) {
      const left = await isAlive(p);
      const cmdline = left ? await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '') : '';
      expect(left, `process ${p.pid} is still there: ${cmdline}`).toBe(false);
    }
    for (const dir of [...cgroups, machines.dir]) expect(await exists(dir), dir).toBe(false);
    for (const m of machines.list) {
      expect(await exists(`/run/systemd/nspawn/propagate/${m.machineName}`)).toBe(false);
    }
  });
});
