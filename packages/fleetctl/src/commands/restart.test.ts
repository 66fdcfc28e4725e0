// restart against a real API with a fake engine and agents (FakeCluster): it waits for the stop
// before starting again, for normal units and for every machine's copy of a global unit, and
// never needs SSH.
import { waitFor } from '@fleet/testkit';
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

/** Waits until both machines publish g.service as `active`. */
async function globalRunning(): Promise<void> {
  await waitFor(
    async () => {
      const states = (await h.registry.listUnitStates({ unitName: 'g.service' })).items;
      return states.length === 2 && states.every((s) => s.activeState === 'active');
    },
    { what: 'g.service active on both machines' },
  );
}

function run(opts: Partial<FakeClusterOptions> = {}): FakeCluster {
  cluster = new FakeCluster(h, { machines: [M1.id, M2.id], ...opts });
  cluster.start();
  return cluster;
}

describe('restart', () => {
  it('really waits for the stop before starting again', async () => {
    const seen: string[] = [];
    const c = run();
    await h.fleetctl(['start', 'hello']);
    // Record the desired states the engine sees, pass by pass.
    const reconcile = c.reconcile.bind(c);
    c.reconcile = async () => {
      const u = await h.registry.getUnit('hello.service');
      if (u !== undefined && seen[seen.length - 1] !== u.desiredState) seen.push(u.desiredState);
      await reconcile();
    };
    const r = await h.fleetctl(['restart', 'hello']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'Unit hello.service loaded on c31e44e1.../127.0.0.1\n' +
        'Unit hello.service launched on c31e44e1.../127.0.0.1\n',
      stderr: '',
    });
    expect(seen.join(' ')).toMatch(/^(launched )?loaded launched$/);
  });

  it('waits until systemd has stopped the unit before starting it again', async () => {
    let stopping = 0;
    run({ stoppedState: () => (++stopping < 20 ? 'deactivating' : 'inactive') });
    await h.fleetctl(['start', 'hello']);
    const r = await h.fleetctl(['restart', 'hello']);
    expect(stopping).toBeGreaterThanOrEqual(20);
    expect(r.code).toBe(0);
  });

  it('restarts every copy of a global unit through the cluster, without SSH', async () => {
    await h.file('g.service', '[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nGlobal=true\n');
    const seen: string[] = [];
    const c = run();
    expect((await h.fleetctl(['start', 'g.service'])).code).toBe(0);
    await globalRunning();
    const before = [M1, M2].map((m) => c.starts.get(`g.service ${m.id}`) ?? 0);
    const reconcile = c.reconcile.bind(c);
    c.reconcile = async () => {
      const u = await h.registry.getUnit('g.service');
      if (u !== undefined && seen[seen.length - 1] !== u.desiredState) seen.push(u.desiredState);
      await reconcile();
    };
    // No sshd anywhere, and --ssh-port is accepted and ignored.
    const r = await h.fleetctl(['restart', '--ssh-port', '2222', 'g.service']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'Unit g.service loaded on c31e44e1.../127.0.0.1\n' +
        'Unit g.service loaded on d4f0a2b3.../127.0.0.2\n' +
        'Unit g.service launched on c31e44e1.../127.0.0.1\n' +
        'Unit g.service launched on d4f0a2b3.../127.0.0.2\n',
      stderr: '',
    });
    // The engine saw the stop, then the start (a pass before the restart may not be recorded).
    expect(seen.join(' ')).toMatch(/^(launched )?loaded launched$/);
    // Each copy was started once more.
    expect([M1, M2].map((m) => c.starts.get(`g.service ${m.id}`))).toEqual(
      before.map((n) => n + 1),
    );
  });

  it('waits until every copy of a global unit has stopped before starting them again', async () => {
    await h.file('g.service', '[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nGlobal=true\n');
    let stopping = 0;
    const c = run({ stoppedState: () => (++stopping < 20 ? 'deactivating' : 'inactive') });
    await h.fleetctl(['start', 'g.service']);
    await globalRunning();
    const before = c.starts.get(`g.service ${M2.id}`) ?? 0;
    const r = await h.fleetctl(['restart', 'g.service']);
    expect(stopping).toBeGreaterThanOrEqual(20);
    expect(r.code).toBe(0);
    expect(c.starts.get(`g.service ${M2.id}`)).toBe(before + 1);
  });

  it('fails a global restart whose copies systemd reports failed, naming the machine', async () => {
    await h.file('g.service', '[Service]\nExecStart=/bin/sleep 1000\n[X-Fleet]\nGlobal=true\n');
    // Copies fail once they have been stopped and started again.
    let stopped = false;
    run({
      startedState: () => (stopped ? 'failed' : 'active'),
      stoppedState: () => {
        stopped = true;
        return 'inactive';
      },
    });
    await h.fleetctl(['start', 'g.service']);
    await globalRunning();
    const r = await h.fleetctl(['restart', '--block-attempts=50', 'g.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "Error waiting for units: global unit g.service failed to start on c31e44e1.../127.0.0.1: systemd reports failed (dead); see 'fleetctl status g.service' and 'fleetctl journal g.service'\n",
    );
  });

  it('restarts a global unit whose copies had failed: their old failed state is no failed start', async () => {
    const options = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
      { section: 'X-Fleet', name: 'Global', value: 'true' },
    ];
    await h.registry.createUnit({ name: 'g.service', options, desiredState: 'launched' });
    const failed = { activeState: 'failed', subState: 'failed', state: 'launched' } as const;
    await h.publish('g.service', M1.id, failed);
    await h.publish('g.service', M2.id, failed);
    // The agents here are the test: each takes its failed copy as stopped (as a real agent does
    // once it has applied `loaded`), the copies stay failed for three polls of the start phase,
    // then run again.
    let stopped = false;
    let startPolls = 0;
    const list = h.registry.listUnitStates.bind(h.registry);
    h.registry.listUnitStates = async (...a: Parameters<typeof list>) => {
      const desired = (await h.registry.getUnit('g.service'))?.desiredState;
      if (!stopped && desired === 'loaded') {
        for (const m of [M1, M2])
          await h.publish('g.service', m.id, { ...failed, state: 'loaded' });
      }
      stopped ||= desired === 'loaded';
      if (stopped && desired === 'launched') startPolls++;
      if (startPolls === 3) {
        for (const m of [M1, M2]) {
          await h.publish('g.service', m.id, { activeState: 'active', state: 'launched' });
        }
      }
      return list(...a);
    };
    const r = await h.fleetctl(['restart', '--block-attempts=50', 'g.service']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'Unit g.service loaded on c31e44e1.../127.0.0.1\n' +
        'Unit g.service loaded on d4f0a2b3.../127.0.0.2\n' +
        'Unit g.service launched on c31e44e1.../127.0.0.1\n' +
        'Unit g.service launched on d4f0a2b3.../127.0.0.2\n',
      stderr: '',
    });
  });

  it('refuses a global unit no machine reports', async () => {
    await h.registry.createUnit({
      name: 'g.service',
      options: [
        { section: 'Service', name: 'ExecStart', value: '/bin/true' },
        { section: 'X-Fleet', name: 'Global', value: 'true' },
      ],
      desiredState: 'launched',
    });
    const r = await h.fleetctl(['restart', 'g.service']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Unable to restart global unit g.service: it is not on any machine\n',
    });
  });

  it('starts a loaded unit and refuses an inactive one', async () => {
    run();
    await h.fleetctl(['load', 'hello']);
    await h.file('idle.service', HELLO);
    await h.fleetctl(['submit', 'idle']);
    const r = await h.fleetctl(['restart', 'hello', 'idle']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Unable to restart unit idle.service in state inactive\n');
    expect(r.stdout).toBe('Unit hello.service launched on c31e44e1.../127.0.0.1\n');
  });
});
