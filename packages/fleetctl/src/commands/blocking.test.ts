// Blocking commands against a real API with a fake engine and agents (FakeCluster) moving the
// units: start/load/stop/unload/destroy wait for the real state, fail with the scheduler's
// reason or systemd's failure, and time out within --block-attempts. restart: restart.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster, type FakeClusterOptions } from '../testing/fake-cluster.js';
import { Harness, M1, M2 } from '../testing/harness.js';

const HELLO = '[Unit]\nDescription=hello\n\n[Service]\nExecStart=/bin/sleep 1000\n';

let h: Harness;
let cluster: FakeCluster | undefined;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.machine(M2);
  await h.file('hello.service', HELLO);
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await h.close();
});

function run(opts: Partial<FakeClusterOptions> = {}): FakeCluster {
  cluster = new FakeCluster(h, { machines: [M1.id, M2.id], ...opts });
  cluster.start();
  return cluster;
}

describe('start', () => {
  it('waits until the unit is launched and active, then prints where', async () => {
    run();
    const r = await h.fleetctl(['start', 'hello.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Unit hello.service launched on c31e44e1.../127.0.0.1\n',
      stderr: '',
    });
  });

  it('does not accept launched while systemd is still activating, but waits', async () => {
    let polls = 0;
    run({ startedState: () => (++polls < 20 ? 'activating' : 'active') });
    const r = await h.fleetctl(['start', 'hello.service']);
    expect(polls).toBeGreaterThanOrEqual(20);
    expect(r.stdout).toBe('Unit hello.service launched on c31e44e1.../127.0.0.1\n');
  });

  it('fails at once, with a clear line, when systemd reports the unit failed', async () => {
    run({ startedState: () => 'failed' });
    const r = await h.fleetctl(['start', 'hello.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "Error waiting for units: unit hello.service failed to start on c31e44e1.../127.0.0.1: systemd reports failed (dead); see 'fleetctl status hello.service' and 'fleetctl journal hello.service'\n",
    );
  });

  it('accepts a oneshot service that has run and exited', async () => {
    await h.file('once.service', '[Service]\nType=oneshot\nExecStart=/bin/true\n');
    run({ startedState: () => 'inactive' });
    const r = await h.fleetctl(['start', 'once.service']);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'Unit once.service launched on c31e44e1.../127.0.0.1\n',
    });
  });

  it.each(['bad-setting', 'error', 'not-found', 'masked'])(
    'fails at once when systemd cannot load the unit (%s), before any limit',
    async (load) => {
      run({ loadState: () => load });
      const r = await h.fleetctl(['start', '--block-attempts=100', 'hello.service']);
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: `Error waiting for units: unit hello.service cannot be started on c31e44e1.../127.0.0.1: systemd cannot load it (load state ${load}); see 'fleetctl status hello.service' and 'fleetctl journal hello.service'\n`,
      });
    },
  );

  it('counts a simple service that ran and exited at once as started', async () => {
    await h.file('quick.service', '[Service]\nExecStart=/bin/true\n');
    run({ startedState: () => 'inactive' });
    const r = await h.fleetctl(['start', '--block-attempts=100', 'quick.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Unit quick.service launched on c31e44e1.../127.0.0.1 (ran and exited)\n',
      stderr: '',
    });
  });

  it('says what it still waits for when a status stands still, without a terminal', async () => {
    await h.file('slow.service', HELLO);
    // hello.service becomes active only once fleetctl has said what it still waits for.
    let told = false;
    run({ startedState: (u) => (u.name === 'hello.service' && told ? 'active' : 'activating') });
    const r = await h.fleetctl(['start', 'hello.service'], {
      onStderr: (text) => {
        told ||= text.startsWith('Still waiting');
      },
    });
    const where = 'launched on c31e44e1.../127.0.0.1, systemd activating (dead)';
    expect(r).toEqual({
      code: 0,
      stdout: 'Unit hello.service launched on c31e44e1.../127.0.0.1\n',
      stderr: `Still waiting for unit hello.service to report state launched (and systemd active): ${where}; no limit is set: --block-attempts=N sets one\n`,
    });
    const limited = await h.fleetctl(['start', '--block-attempts=15', 'slow.service']);
    expect(limited).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `Still waiting for unit slow.service to report state launched (and systemd active): ${where}\n` +
        `Error waiting for units: timed out waiting for unit slow.service to report state launched (and systemd active): ${where}\n`,
    });
  });

  it("fails with the scheduler's reason within the block attempts", async () => {
    run({ place: () => undefined, reason: 'no machine matches MachineMetadata region=eu' });
    const r = await h.fleetctl(['start', '--block-attempts=3', 'hello.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error waiting for units: timed out waiting for unit hello.service to report state launched (and systemd active): inactive, not scheduled: no machine matches MachineMetadata region=eu\n',
    );
  });

  it('gives up on an unschedulable unit without a limit once the reason stands still', async () => {
    run({ place: () => undefined, reason: 'conflicts with web.service on c31e44e1' });
    const r = await h.fleetctl(['start', 'hello.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error waiting for units: unit hello.service cannot be scheduled: conflicts with web.service on c31e44e1 \(unchanged for \d+ s; /,
    );
  });

  it('times out without an engine, naming the state it is stuck in', async () => {
    const r = await h.fleetctl(['start', '--block-attempts', '2', 'hello.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /timed out waiting for unit hello.service to report state launched.*: inactive, not scheduled yet\n$/,
    );
    expect((await h.registry.getUnit('hello.service'))?.desiredState).toBe('launched');
  });

  it('draws progress on a terminal and clears it', async () => {
    let polls = 0;
    run({ startedState: () => (++polls < 10 ? 'activating' : 'active') });
    const r = await h.fleetctl(['start', 'hello.service'], { tty: true });
    expect(r.stderr).toContain('Waiting for 1 unit(s) to report state launched');
    expect(r.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(r.stdout).toBe('Unit hello.service launched on c31e44e1.../127.0.0.1\n');
  });

  it('start --replace of a running unit waits for the new contents to run', async () => {
    run();
    await h.fleetctl(['start', 'hello.service']);
    await h.file('hello.service', HELLO.replace('1000', '2000'));
    const r = await h.fleetctl(['start', '--replace', 'hello.service']);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'Unit hello.service launched on c31e44e1.../127.0.0.1\n',
    });
    const [state] = (await h.registry.listUnitStates({ unitName: 'hello.service' })).items;
    expect(state?.hash).toBe((await h.registry.getUnit('hello.service'))?.hash);
  });
});

describe('load, stop, unload', () => {
  it('load waits for loaded; stop waits for loaded from launched; unload for inactive', async () => {
    run();
    expect((await h.fleetctl(['load', 'hello'])).stdout).toBe(
      'Unit hello.service loaded on c31e44e1.../127.0.0.1\n',
    );
    await h.fleetctl(['start', 'hello']);
    const stop = await h.fleetctl(['stop', 'hello']);
    expect(stop).toEqual({
      code: 0,
      stdout: 'Unit hello.service loaded on c31e44e1.../127.0.0.1\n',
      stderr: 'Successfully stopped units [hello.service].\n',
    });
    const unload = await h.fleetctl(['unload', 'hello']);
    expect(unload).toEqual({
      code: 0,
      stdout: 'Unit hello.service inactive\n',
      stderr: 'Successfully unloaded units [hello.service].\n',
    });
    expect((await h.registry.listUnitStates()).items).toEqual([]);
  });

  it("stop waits until systemd has stopped the unit, not only for fleet's loaded", async () => {
    let stopping = 0;
    run({ stoppedState: () => (++stopping < 20 ? 'deactivating' : 'inactive') });
    await h.fleetctl(['start', 'hello']);
    const r = await h.fleetctl(['stop', 'hello']);
    expect(stopping).toBeGreaterThanOrEqual(20);
    expect(r).toEqual({
      code: 0,
      stdout: 'Unit hello.service loaded on c31e44e1.../127.0.0.1\n',
      stderr: 'Successfully stopped units [hello.service].\n',
    });
  });

  it('stop times out within its block attempts while systemd is still stopping the unit', async () => {
    run({ stoppedState: () => 'deactivating' });
    await h.fleetctl(['start', 'hello']);
    const r = await h.fleetctl(['stop', '--block-attempts=1', 'hello']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error waiting for units: timed out waiting for unit hello.service to report state loaded (and systemd stopped): loaded on c31e44e1.../127.0.0.1, systemd deactivating (dead)\n',
    });
  });

  it('unload waits until no machine reports the unit any more', async () => {
    await h.registry.createUnit({
      name: 'x.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
      desiredState: 'loaded',
    });
    // Unscheduled (fleet's current state is inactive at once), but its machine still has it.
    await h.publish('x.service', M2.id, { activeState: 'inactive' });
    const r = await h.fleetctl(['unload', '--block-attempts=1', 'x']);
    expect(r).toEqual({
      code: 1,
      stdout: 'Unit x.service inactive\n',
      stderr:
        'Error waiting for units: timed out waiting for unit x.service to be unloaded from every machine: still on d4f0a2b3.../127.0.0.2\n',
    });
  });

  it('stop refuses an inactive unit and reports a missing one; already stopped is skipped', async () => {
    await h.fleetctl(['submit', 'hello']);
    const r = await h.fleetctl(['stop', 'hello', 'missing']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Unable to stop unit hello.service in state inactive\nUnit missing.service does not exist.\n',
    });
    await h.registry.setDesiredState('hello.service', 'loaded');
    expect(await h.fleetctl(['stop', 'hello'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--no-block only triggers', async () => {
    await h.fleetctl(['start', '--no-block', 'hello']);
    expect(await h.fleetctl(['stop', '--no-block', 'hello'])).toEqual({
      code: 0,
      stdout: 'Triggered unit hello.service stop\n',
      stderr: '',
    });
    expect((await h.registry.getUnit('hello.service'))?.desiredState).toBe('loaded');
  });
});

describe('destroy', () => {
  it('removes the unit and waits until no machine reports it', async () => {
    run();
    await h.fleetctl(['start', 'hello']);
    const r = await h.fleetctl(['destroy', 'hello', 'never-existed']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Destroyed hello.service\nDestroyed never-existed.service\n',
      stderr: '',
    });
    expect(await h.registry.getUnit('hello.service')).toBeUndefined();
    expect((await h.registry.listUnitStates()).items).toEqual([]);
  });

  it('times out within the block attempts when a machine keeps the unit', async () => {
    await h.registry.createUnit({
      name: 'x.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
      desiredState: 'launched',
    });
    await h.publish('x.service', M2.id, { activeState: 'active' });
    const r = await h.fleetctl(['destroy', '--block-attempts=2', 'x']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Destroyed x.service\n');
    expect(r.stderr).toBe(
      'Error waiting for units: timed out waiting for unit x.service to be unloaded from every machine: still on d4f0a2b3.../127.0.0.2\n',
    );
    // --no-block does not wait (fleet waited only then).
    expect(await h.fleetctl(['destroy', '--no-block', 'x'])).toEqual({
      code: 0,
      stdout: 'Destroyed x.service\n',
      stderr: '',
    });
  });
});
