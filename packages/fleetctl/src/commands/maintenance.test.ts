// fleetctl maintenance ... against a real API over InMemoryRegistry: enter (by ID prefix), 409
// without --wait, --wait through a held slot and a drain, exit, status, limit, usage errors.
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, M1, M2 } from '../testing/harness.js';

let h: Harness;
afterEach(() => h.close());

const holders = async () => (await h.registry.getMaintenance()).holders.map((x) => x.machineId);

describe('fleetctl maintenance', () => {
  it('enters by ID prefix, refuses a second machine without --wait, exits, shows status', async () => {
    h = await Harness.start();
    await h.machine(M1);
    await h.machine(M2);
    const r = await h.fleetctl(['maintenance', 'enter', M1.id.slice(0, 6), '--reason', 'kernel']);
    expect(r).toEqual({ code: 0, stdout: `${M1.id} is now in maintenance\n`, stderr: '' });
    expect((await h.fleetctl(['maintenance', 'enter', M1.id])).stdout).toBe(
      `${M1.id} is already in maintenance\n`,
    );
    const full = await h.fleetctl(['maintenance', 'enter', M2.id]);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(
      /^Error entering maintenance: maintenance is full \(limit 1\): held by c31e44e1/,
    );
    const status = await h.fleetctl(['maintenance', 'status']);
    const since = (await h.registry.getMaintenance()).holders[0]?.since ?? '';
    expect(status.stdout).toBe(
      'LIMIT\t1\nHOLDERS\t1\n\nMACHINE\t\t\t\t\tIP\t\tSINCE\t\t\t\tREASON\n' +
        `${M1.id}\t127.0.0.1\t${since}\tkernel\n`,
    );
    expect(await h.fleetctl(['maintenance', 'exit', M1.id])).toMatchObject({
      code: 0,
      stdout: 'Left maintenance\n',
    });
    expect(await holders()).toEqual([]);
    expect((await h.fleetctl(['maintenance', 'limit', '2'])).stdout).toBe(
      'Maintenance limit is 2\n',
    );
    const json = await h.fleetctl(['maintenance', 'status', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ limit: 2, holders: [] });
  });

  it('--wait waits for a slot, then until no unit is placed on the machine', async () => {
    h = await Harness.start();
    await h.machine(M1);
    await h.machine(M2);
    await h.registry.createUnit({
      name: 'web.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/web' }],
      desiredState: 'launched',
    });
    await h.assign('web.service', M2.id);
    await h.registry.enterMaintenance(M1.id);
    let stderr = '';
    const waiting = h.fleetctl(['maintenance', 'enter', M2.id, '--wait'], {
      onStderr: (t) => (stderr += t),
    });
    await waitUntil(() => stderr.includes('waiting for a maintenance slot'));
    expect(await holders()).toEqual([M1.id]);
    await h.registry.exitMaintenance(M1.id);
    let done = false;
    void waiting.then(() => (done = true));
    await waitUntil(() => stderr.includes('waiting until it is drained'));
    expect(await holders()).toEqual([M2.id]);
    await new Promise((r) => setTimeout(r, 100));
    expect(done, 'still waiting while web.service is placed on the machine').toBe(false);
    await h.registry.applyAssignments(await h.leader(), [
      { kind: 'unschedule', machineId: M2.id, unit: 'web.service' },
    ]);
    expect(await waiting).toMatchObject({
      code: 0,
      stdout: `${M2.id} is drained: safe to reboot\n`,
    });
  });

  it('refuses bad usage with one line', async () => {
    h = await Harness.start();
    const cases: [string[], string][] = [
      [['maintenance'], 'maintenance needs an action: enter, exit, status, limit'],
      [
        ['maintenance', 'nap'],
        'unknown maintenance action "nap" (expected enter, exit, status, limit)',
      ],
      [['maintenance', 'limit', '0'], 'maintenance limit N: N must be an integer of at least 1'],
      [['maintenance', 'limit', 'x'], 'maintenance limit N: N must be an integer of at least 1'],
      [['maintenance', 'exit', '--wait'], '--wait only goes with maintenance enter'],
      [['maintenance', 'status', 'm1'], 'maintenance status takes no argument'],
    ];
    for (const [args, message] of cases) {
      const r = await h.fleetctl(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr.trim().split('\n')[0]).not.toMatch(/^\s+at /);
    }
    const unknown = await h.fleetctl(['maintenance', 'enter', 'zzz']);
    expect(unknown.stderr).toContain('machine "zzz" does not exist');
  });
});

async function waitUntil(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!probe()) throw new Error('timed out');
}
