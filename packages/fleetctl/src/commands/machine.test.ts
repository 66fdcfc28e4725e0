import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, M1, M2 } from '../testing/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.machine(M2);
});
afterEach(() => h.close());

const states = async () =>
  (await h.fleetctl(['list-machines', '--no-legend', '--fields', 'machine,state'])).stdout;

describe('fleetctl machine', () => {
  it('cordons by ID prefix, drains by IP, uncordons; list-machines shows the state', async () => {
    let r = await h.fleetctl(['machine', 'cordon', 'c31e', '--reason', 'new disk']);
    expect(r).toEqual({ code: 0, stderr: '', stdout: `Cordoned machine ${M1.id} (cordoned)\n` });
    expect(await states()).toBe('c31e44e1...\tcordoned\nd4f0a2b3...\tschedulable\n');
    const json = await h.fleetctl(['list-machines', '-o', 'json', '--fields', 'machine,state']);
    expect(JSON.parse(json.stdout)).toEqual([
      { machine: M1.id, state: 'cordoned' },
      { machine: M2.id, state: 'schedulable' },
    ]);
    // Nothing runs on M2: drained at once, and --wait returns.
    r = await h.fleetctl(['machine', 'drain', M2.ip, '--wait']);
    expect(r).toEqual({ code: 0, stderr: '', stdout: `Draining machine ${M2.id} (drained)\n` });
    expect(await states()).toBe('c31e44e1...\tcordoned\nd4f0a2b3...\tdrained\n');
    r = await h.fleetctl(['machine', 'uncordon', 'c3', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: M1.id, admin: null, schedulable: true });
    expect((await h.registry.listMachineAdmin()).items.map((a) => a.state)).toEqual(['draining']);
  });

  it('names the units a drain cannot move, and exits 1', async () => {
    await h.registry.createUnit({ name: 'a.service', options: [], desiredState: 'launched' });
    const lead = await h.registry.campaign('engine', 10);
    const token = lead?.token ?? '';
    const hash = (await h.registry.getUnit('a.service'))?.hash ?? '';
    await h.registry.applyAssignments(token, [
      { kind: 'schedule', machineId: M1.id, unit: 'a.service', hash, desiredState: 'launched' },
    ]);
    await h.registry.setUnitReason(
      token,
      'a.service',
      `drain: no other machine can take it from ${M1.id}: no machine has metadata disk=ssd`,
    );
    const r = await h.fleetctl(['machine', 'drain', M1.id, '--wait']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `machine ${M1.id} cannot be drained; these units fit on no other machine:\n` +
        `  a.service (drain: no other machine can take it from ${M1.id}: no machine has metadata disk=ssd)\n`,
    );
  });

  it('refuses bad words with one line and a non-zero exit', async () => {
    const cases: [string[], string][] = [
      [['machine'], 'machine needs an action: cordon, uncordon, drain'],
      [
        ['machine', 'reboot', 'c3'],
        'unknown machine action "reboot" (expected cordon, uncordon, drain)',
      ],
      [['machine', 'cordon'], 'machine cordon needs a MACHINE'],
      [['machine', 'cordon', 'c3', '--wait'], '--wait only goes with machine drain'],
      [['machine', 'cordon', 'zz'], 'machine "zz" does not exist'],
      [['machine', 'cordon', ''], 'machine cordon needs a MACHINE'],
    ];
    for (const [argv, message] of cases) {
      const r = await h.fleetctl(argv);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.stderr, argv.join(' ')).toContain(message);
    }
    // Two machines start with neither "c" nor "d" alone: "" is refused above; a shared prefix is not.
    await h.machine({ id: 'c31e00000000000000000000000000ff', ip: '127.0.0.3' });
    const r = await h.fleetctl(['machine', 'cordon', 'c31e']);
    expect(r.stderr).toContain('found more than one machine with ID prefix "c31e"');
    expect((await h.registry.listMachineAdmin()).items).toEqual([]);
  });
});
