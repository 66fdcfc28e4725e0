// The agent and units that do not go as planned: options that do not read back from their file,
// units systemd refuses, and services that run and exit. One ManualClock drives everything.
import { InMemoryRegistry, type UnitState } from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import {
  FakeSystemd,
  type FakeSystemdOptions,
  type Systemd,
  type UnitChangeListener,
} from '@fleet/systemd';
import { unitHash, validateUnitOptions, type UnitOption } from '@fleet/unit';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advanceBy, settle as flush } from '@fleet/runtime/testing';
import { Agent } from './agent.js';

const M1 = 'a1000000000000000000000000000001';

describe('Agent with units that do not go as planned', () => {
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let agents: Agent[];
  let token: string;
  let logger: RecordingLogger;
  /** Names the agent asked systemd for states of, one entry per name per call. */
  let stateReads: string[];

  beforeEach(async () => {
    clock = new ManualClock();
    registry = new InMemoryRegistry({ clock });
    agents = [];
    logger = new RecordingLogger();
    stateReads = [];
    afterWrite = undefined;
    linkFailures = 0;
    const l = await registry.campaign('engine-under-test', 600);
    if (l === undefined) throw new Error('no leadership');
    token = l.token;
  });

  afterEach(async () => {
    for (const a of agents) {
      const p = a.stop();
      await advance(100);
      await p;
    }
    await systemd.close();
    await registry.close();
  });

  /** Link calls still to fail (a D-Bus timeout, say). */
  let linkFailures: number;
  /** Called after each writeUnit with the listener the agent registered (real systemd's timing). */
  let afterWrite: ((name: string, emit: UnitChangeListener) => void) | undefined;

  function start(fake: FakeSystemdOptions = {}): Agent {
    systemd = new FakeSystemd({ clock, ...fake });
    const fakeSystemd = systemd;
    let listener: UnitChangeListener | undefined;
    const counting: Systemd = overriding<Systemd>(fakeSystemd, {
      onChange: (l: UnitChangeListener) => {
        listener = l;
        return fakeSystemd.onChange(l);
      },
      link: async (name: string) => {
        if (linkFailures > 0) {
          linkFailures--;
          throw new Error(`link ${name}: timed out`);
        }
        return fakeSystemd.link(name);
      },
      writeUnit: async (name: string, content: string) => {
        await fakeSystemd.writeUnit(name, content);
        if (listener === undefined || afterWrite === undefined) return;
        afterWrite(name, listener);
        // Linking and reloading take real systemd a while: long enough to publish.
        await new Promise<void>((r) => clock.setTimer(200, r));
      },
      unitStates: (names: readonly string[]) => {
        stateReads.push(...names);
        return fakeSystemd.unitStates(names);
      },
    });
    const a = new Agent({
      registry,
      systemd: counting,
      machine: { id: M1, publicIP: '127.0.0.11', metadata: {}, version: '0.1.0', capabilities: [] },
      ttlSeconds: 10,
      clock,
      logger,
      collectHealth: async () => ({}),
    });
    agents.push(a);
    a.start();
    return a;
  }

  const advance = (ms: number, step = 10): Promise<void> => advanceBy(clock, ms, step);

  /** Submits a unit the way the API would (validated first) and assigns it to M1, launched. */
  async function assign(unit: string, options: UnitOption[]): Promise<void> {
    validateUnitOptions(unit, options);
    const existing = await registry.getUnit(unit);
    if (existing !== undefined) await registry.destroyUnit(unit);
    await registry.createUnit({ name: unit, options, desiredState: 'launched' });
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit,
        hash: unitHash(options),
        desiredState: 'launched',
      },
    ]);
  }

  const published = async (unit: string): Promise<UnitState | undefined> =>
    (await registry.listUnitStates({ unitName: unit, machineId: M1 })).items[0];
  const calls = (method: string, unit: string): number =>
    systemd.calls.filter((c) => c.method === method && c.name === unit).length;

  it('loads a unit again after its link failed, and starts it (reliability review F3)', async () => {
    const options: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 9' },
    ];
    start();
    linkFailures = 1;
    await assign('linked.service', options);
    await advance(30_000, 50);
    expect(calls('link', 'linked.service')).toBe(1); // the failed call is not recorded by the fake
    expect(calls('start', 'linked.service')).toBe(1);
    expect(await published('linked.service')).toMatchObject({
      hash: unitHash(options),
      activeState: 'active',
      state: 'launched',
    });
  });

  it('publishes no state of new contents that systemd has not loaded yet (replacing a running unit)', async () => {
    const v1: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1' }];
    const v2: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 2' }];
    start();
    // As real systemd between writing a unit's file and linking it: the unit is not found, and
    // the state carries the new file's hash.
    afterWrite = (name, emit) =>
      emit([
        {
          name,
          state: { load: 'not-found', active: 'inactive', sub: 'dead', hash: unitHash(v2) },
        },
      ]);
    await assign('r.service', v1);
    await advance(6_000, 50);
    expect(await published('r.service')).toMatchObject({
      hash: unitHash(v1),
      activeState: 'active',
    });
    await registry.destroyUnit('r.service');
    await registry.createUnit({ name: 'r.service', options: v2, desiredState: 'launched' });
    await registry.applyAssignments(token, [
      {
        kind: 'update',
        machineId: M1,
        unit: 'r.service',
        hash: unitHash(v2),
        desiredState: 'launched',
      },
    ]);
    // Every state published for the new contents, as a client polling GET /state would see it.
    const seen: string[] = [];
    for (let t = 0; t < 6_000; t += 10) {
      clock.advance(10);
      await flush();
      const s = await published('r.service');
      if (s?.hash === unitHash(v2)) seen.push(`${s.loadState}/${s.activeState}`);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((x) => !x.startsWith('loaded/'))).toEqual([]);
    expect(seen.at(-1)).toBe('loaded/active');
  });

  it('loads and starts a unit with a trailing-space value once in 60 s, publishing its own hash', async () => {
    const options: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000 ' },
    ];
    start();
    await assign('ws.service', options);
    await advance(60_000, 50);
    expect(calls('writeUnit', 'ws.service')).toBe(1);
    expect(calls('start', 'ws.service')).toBe(1);
    expect(calls('stop', 'ws.service')).toBe(0);
    expect(calls('removeUnit', 'ws.service')).toBe(0);
    expect(systemd.calls.filter((c) => c.method === 'daemonReload')).toHaveLength(0);
    expect(await published('ws.service')).toMatchObject({
      hash: unitHash(options),
      loadState: 'loaded',
      activeState: 'active',
      state: 'launched',
    });
  });

  it('backs off a unit systemd refuses: 7 start attempts in 10 minutes, one log line each', async () => {
    start();
    // No ExecStart=: systemd loads it as bad-setting and refuses to start it.
    const options: UnitOption[] = [{ section: 'Service', name: 'Type', value: 'simple' }];
    await assign('broken.service', options);
    await advance(600_000, 100);
    // Attempts at about 0, 5, 15, 35, 75, 155 and 315 s (5 s doubling); the next is due at 635 s.
    expect(calls('start', 'broken.service')).toBe(7);
    expect(calls('writeUnit', 'broken.service')).toBe(1);
    // Every read of a refused unit makes systemd load it again and log the refusal: the agent
    // reads it once, then only if its file changes (not every pass: 120 reads in 10 minutes).
    expect(stateReads.filter((n) => n === 'broken.service')).toHaveLength(1);
    const failures = logger.records.filter(
      (r) => r.level === 'warn' && r.fields['unit'] === 'broken.service',
    );
    expect(failures.map((r) => r.msg)).toEqual([
      'task failed; next attempt in 5 s',
      'task failed; next attempt in 10 s',
      'task failed; next attempt in 20 s',
      'task failed; next attempt in 40 s',
      'task failed; next attempt in 80 s',
      'task failed; next attempt in 160 s',
      'task failed; next attempt in 300 s',
    ]);
    // A client sees why: systemd's load state, and that the agent has not launched it.
    expect(await published('broken.service')).toMatchObject({
      hash: unitHash(options),
      loadState: 'bad-setting',
      activeState: 'inactive',
      state: 'loaded',
    });
  });

  it('retries at once when the refused unit is replaced by a good one', async () => {
    start();
    await assign('fixme.service', [{ section: 'Service', name: 'Type', value: 'simple' }]);
    await advance(60_000, 100); // well into the backoff
    const good: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 9' }];
    const before = calls('start', 'fixme.service');
    await assign('fixme.service', good);
    await advance(1_000);
    expect(calls('start', 'fixme.service')).toBe(before + 1);
    expect(await published('fixme.service')).toMatchObject({
      hash: unitHash(good),
      loadState: 'loaded',
      activeState: 'active',
      state: 'launched',
    });
  });

  it('starts a service that runs and exits 0 once, and then publishes launched + inactive', async () => {
    start({ latency: { start: 2_000, exit: 500 } });
    const options: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }];
    await assign('quick.service', options);
    await advance(1_000);
    // Start job queued, not finished: not launched yet.
    expect(calls('start', 'quick.service')).toBe(1);
    expect(await published('quick.service')).toMatchObject({
      activeState: 'activating',
      state: 'loaded',
    });
    await advance(60_000, 50);
    expect(calls('start', 'quick.service')).toBe(1);
    expect(await published('quick.service')).toMatchObject({
      hash: unitHash(options),
      loadState: 'loaded',
      activeState: 'inactive',
      subState: 'dead',
      state: 'launched',
    });
  });
  it('runs and publishes a unit whose name is no longer accepted, and the other units too', async () => {
    const legacyOptions: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 100' },
    ];
    // Its contents are in the store (stored under an accepted name with the same options).
    await registry.createUnit({
      name: 'x.service',
      options: legacyOptions,
      desiredState: 'inactive',
    });
    const legacy = {
      unit: '-H.service',
      machineId: M1,
      hash: unitHash(legacyOptions),
      desiredState: 'launched' as const,
      revision: '1',
    };
    const real = registry;
    registry = overriding(real, {
      listAssignments: async (machineId?: string) => {
        const l = await real.listAssignments(machineId);
        return { ...l, items: [legacy, ...l.items] };
      },
    });
    start();
    registry = real;
    const options: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 9' },
    ];
    await assign('fine.service', options);
    await advance(10_000, 50);
    expect(await published('fine.service')).toMatchObject({
      activeState: 'active',
      state: 'launched',
    });
    expect(await published('-H.service')).toMatchObject({
      activeState: 'active',
      state: 'launched',
    });
    expect(logger.records.filter((r) => r.level === 'warn')).toEqual([]);
  });
});
