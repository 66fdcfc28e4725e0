import {
  InMemoryRegistry,
  UnavailableError,
  type JsonValue,
  type MachineSession,
  type Registry,
  type UnitStateInput,
  type UnitState,
} from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advanceBy, advanceUntil } from '@fleet/runtime/testing';
import { overriding } from '@fleet/testkit';
import { Agent, type AgentOptions } from './agent.js';
import { collectHealth, type HealthSources } from './health.js';

const M1 = 'a1000000000000000000000000000001';
const TOKEN_HOLDER = 'engine-under-test';

const options = (name: string): UnitOption[] => [
  { section: 'Unit', name: 'Description', value: name },
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
];

async function fixedHealth(src: HealthSources): Promise<Record<string, JsonValue>> {
  return { version: src.version, systemState: (await src.systemState?.()) ?? 'unknown' };
}

describe('Agent over InMemoryRegistry and FakeSystemd', () => {
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let agents: Agent[];
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = new InMemoryRegistry({ clock });
    systemd = newSystemd();
    agents = [];
    const l = await registry.campaign(TOKEN_HOLDER, 600);
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

  function newSystemd(): FakeSystemd {
    return new FakeSystemd({ clock });
  }

  function agent(
    reg: Registry = registry,
    sd: FakeSystemd = systemd,
    logger = new RecordingLogger(),
    health: 'fixed' | 'fleetd' | 'default' = 'fixed',
    extra: Partial<AgentOptions> = {},
  ): Agent {
    const a = new Agent({
      registry: reg,
      systemd: sd,
      machine: {
        id: M1,
        publicIP: '127.0.0.11',
        metadata: { role: 'web' },
        version: '0.1.0',
        capabilities: [],
      },
      ttlSeconds: 10,
      clock,
      logger,
      // The real collector (fleetd's) reads /proc and / (file I/O the manual clock cannot wait for).
      ...(health === 'default'
        ? {}
        : { collectHealth: health === 'fleetd' ? collectHealth : fixedHealth }),
      ...extra,
    });
    agents.push(a);
    a.start();
    return a;
  }

  const advance = (ms: number, step = 10): Promise<void> => advanceBy(clock, ms, step);

  const until = (cond: () => boolean | Promise<boolean>, maxMs = 30_000): Promise<number> =>
    advanceUntil(clock, cond, { maxMs, stepMs: 10 });

  async function assign(unit: string, desiredState: 'loaded' | 'launched' = 'launched') {
    const created = await registry.getUnit(unit);
    if (created === undefined)
      await registry.createUnit({ name: unit, options: options(unit), desiredState });
    else await registry.setDesiredState(unit, desiredState);
    await registry.applyAssignments(token, [
      { kind: 'schedule', machineId: M1, unit, hash: unitHash(options(unit)), desiredState },
    ]);
  }

  const published = async (unit: string): Promise<UnitState | undefined> =>
    (await registry.listUnitStates({ unitName: unit, machineId: M1 })).items[0];

  it('registers the machine with its health', async () => {
    agent(registry, systemd, new RecordingLogger(), 'fleetd');
    await until(async () => (await registry.listMachines()).items.length === 1);
    const m = (await registry.listMachines()).items[0];
    expect(m).toMatchObject({
      id: M1,
      publicIP: '127.0.0.11',
      metadata: { role: 'web' },
      version: '0.1.0',
    });
    expect(m?.health).toMatchObject({ version: '0.1.0', systemState: 'running' });
    expect(Object.keys(m?.health ?? {})).toEqual(
      expect.arrayContaining(['load', 'memory', 'uptimeSeconds']),
    );
  });

  it('reads no files for its health unless given a collector: version, uptime and systemd state', async () => {
    agent(registry, systemd, new RecordingLogger(), 'default');
    await until(async () => (await registry.listMachines()).items.length === 1);
    const health = (await registry.listMachines()).items[0]?.health ?? {};
    expect(Object.keys(health).sort()).toEqual(['agentUptimeSeconds', 'systemState', 'version']);
    expect(health).toMatchObject({ version: '0.1.0', systemState: 'running' });
  });

  it('loads and starts an assigned unit and publishes loaded/active/running, launched', async () => {
    agent();
    await assign('web.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    expect(await published('web.service')).toMatchObject({
      hash: unitHash(options('web.service')),
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      state: 'launched',
    });
    expect(systemd.isLinked('web.service')).toBe(true);
  });

  it('reacts to an assignment within the debounce window, not the reconcile interval', async () => {
    const a = agent();
    await until(() => a.registered);
    await advance(100);
    const took = await (async () => {
      await assign('quick.service');
      return until(async () => (await published('quick.service'))?.activeState === 'active');
    })();
    expect(took).toBeLessThan(5_000);
  });

  it('acts on an assignment that arrives during a pass right after it, not an interval later', async () => {
    // Contents take 1 s to read, so a pass that loads a unit is still running when the next
    // assignment's debounced poke fires.
    const slow = overriding(registry, {
      getContents: (hash) =>
        new Promise((resolve) => clock.setTimer(1_000, () => resolve(registry.getContents(hash)))),
    });
    const a = agent(slow);
    await until(() => a.registered);
    await advance(100);
    await assign('slow.service');
    await advance(200); // the pass is now reading the contents of slow.service
    const took = await (async () => {
      await assign('next.service');
      return until(async () => (await published('next.service'))?.activeState === 'active');
    })();
    expect(took).toBeLessThan(4_000); // the reconcile interval is 5 s
  });

  it('publishes a unit that starts within the publish window once, as active', async () => {
    const written: string[] = [];
    const counting = overriding(registry, {
      registerMachine: async (record, ttl, opts) => {
        const session = await registry.registerMachine(record, ttl, opts);
        return overriding(session, {
          publishUnitStates: (sts: readonly UnitStateInput[]) => (
            written.push(...sts.map((st) => `${st.unit} ${st.activeState}`)),
            session.publishUnitStates(sts)
          ),
        });
      },
    });
    agent(counting);
    await assign('once.service');
    await until(async () => (await published('once.service'))?.activeState === 'active');
    expect(written.filter((w) => w.startsWith('once.service'))).toEqual(['once.service active']);
  });

  it('stops a unit set to loaded, and unloads an unassigned one, clearing its state', async () => {
    agent();
    await assign('a.service');
    await assign('b.service');
    await until(async () => (await published('b.service'))?.activeState === 'active');
    await assign('a.service', 'loaded');
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'b.service' },
    ]);
    await until(async () => (await published('a.service'))?.activeState === 'inactive');
    expect(await published('a.service')).toMatchObject({ state: 'loaded', subState: 'dead' });
    await until(async () => (await published('b.service')) === undefined);
    expect((await systemd.listUnitFiles()).map((f) => f.name)).toEqual(['a.service']);
  });

  // The API accepts .target, .slice and .swap units; an agent that did not list their files
  // loaded, daemon-reloaded and started them on every pass, and left them behind on destroy.
  it.each(['group.target', 'work.slice', 'extra.swap'])(
    'runs %s once, leaves it alone, and removes it when unassigned',
    async (unit) => {
      agent();
      await assign(unit);
      await until(async () => (await published(unit))?.state === 'launched');
      await advance(60_000, 100);
      const count = (method: string) =>
        systemd.calls.filter((c) => c.method === method && c.name === unit).length;
      expect([count('writeUnit'), count('start')]).toEqual([1, 1]);
      // A new file is read when the unit is first used: no daemon-reload.
      expect(systemd.calls.filter((c) => c.method === 'daemonReload')).toHaveLength(0);
      await registry.applyAssignments(token, [{ kind: 'unschedule', machineId: M1, unit }]);
      await until(async () => (await published(unit)) === undefined);
      expect(await systemd.listUnitFiles()).toEqual([]);
      expect(systemd.isLinked(unit)).toBe(false);
    },
  );

  it('stops watching a unit whose file was removed outside the agent', async () => {
    const watched = new Set<string>();
    const spy = overriding(systemd, {
      watch: (names: readonly string[]) => {
        for (const n of names) watched.add(n);
        systemd.watch(names);
      },
      unwatch: (names: readonly string[]) => {
        for (const n of names) watched.delete(n);
        systemd.unwatch(names);
      },
    });
    agent(registry, spy);
    await assign('web.service');
    await assign('api.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    expect([...watched].sort()).toEqual(['api.service', 'web.service']);
    // Someone removes the file by hand, and the unit is unscheduled: no task is left to run.
    await systemd.removeUnit('web.service');
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'web.service' },
    ]);
    await advance(6_000, 100);
    expect([...watched]).toEqual(['api.service']);
  });

  it('adopts a running unit after a restart without starting it again', async () => {
    const first = agent();
    await assign('web.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    await first.stop(); // no drain: units keep running, the lease is left to expire
    const startsBefore = systemd.calls.filter((c) => c.method === 'start').length;
    await advance(11_000, 100); // the old session expires
    const second = agent();
    await until(() => second.registered);
    await until(async () => (await published('web.service'))?.state === 'launched');
    await advance(6_000, 100); // a periodic pass as well
    expect(systemd.calls.filter((c) => c.method === 'start' || c.method === 'stop').length).toBe(
      startsBefore,
    );
    expect((await systemd.unitStates(['web.service'])).get('web.service')?.active).toBe('active');
  });

  it('changes nothing in systemd while the registry is unreachable, and nothing flaps after', async () => {
    let down = false;
    const overrides: Record<string, unknown> = {};
    for (const m of ['listAssignments', 'getContents', 'registerMachine', 'listUnits'] as const) {
      const orig = registry[m].bind(registry) as (...a: unknown[]) => Promise<unknown>;
      overrides[m] = (...args: unknown[]) =>
        down ? Promise.reject(new UnavailableError(['http://127.0.0.1:1'])) : orig(...args);
    }
    const flaky = overriding(registry, overrides as Partial<Registry>);
    agent(flaky);
    await assign('web.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    const before = systemd.calls.length;
    down = true;
    await advance(30_000, 100);
    expect(
      systemd.calls
        .slice(before)
        .filter((c) => ['stop', 'start', 'disable', 'removeUnit'].includes(c.method)),
    ).toEqual([]);
    down = false;
    await advance(30_000, 100);
    expect(
      systemd.calls
        .slice(before)
        .filter((c) => ['stop', 'start', 'disable', 'removeUnit'].includes(c.method)),
    ).toEqual([]);
    expect((await systemd.unitStates(['web.service'])).get('web.service')?.active).toBe('active');
  });

  it('keeps the session file when the drain could not revoke the lease, so a successor takes over at once', async () => {
    let saved: string | undefined;
    const store = {
      previous: () => Promise.resolve(saved),
      save: (_id: string, lease: string) => Promise.resolve(void (saved = lease)),
      clear: () => Promise.resolve(void (saved = undefined)),
    };
    // The revoke at the end of the drain fails once (a slow etcd past its deadline).
    let failClose = true;
    const flaky = overriding(registry, {
      registerMachine: async (...args: Parameters<Registry['registerMachine']>) => {
        const session = await registry.registerMachine(...args);
        return overriding(session, {
          close: async () => {
            if (!failClose) return session.close();
            failClose = false;
            await session.close();
            throw new Error('lease revoke: deadline exceeded');
          },
        });
      },
    });
    const logger = new RecordingLogger();
    const first = agent(flaky, systemd, logger, 'fixed', { sessionStore: store });
    await until(() => first.registered);
    const lease = saved;
    expect(lease).toBeDefined();
    const stopping = first.stop({ drain: true });
    await advance(5_000, 100);
    await stopping;
    expect(saved).toBe(lease);
    expect(logger.records.map((r) => r.msg)).toContainEqual(
      expect.stringMatching(/^could not revoke the machine lease/),
    );
  });

  it("takes the machine over from its crashed predecessor's session: the machine never leaves", async () => {
    let saved: string | undefined;
    const store = {
      previous: () => Promise.resolve(saved),
      save: (_id: string, lease: string) => Promise.resolve(void (saved = lease)),
      clear: () => Promise.resolve(void (saved = undefined)),
    };
    const first = agent(registry, systemd, new RecordingLogger(), 'fixed', { sessionStore: store });
    await assign('web.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    const firstLease = saved;
    expect(firstLease).toBeDefined();
    await first.stop(); // no drain, as if SIGKILLed: the lease is left to expire
    const events: string[] = [];
    const w = registry.watchMachines((await registry.listMachines()).revision, (e) => {
      events.push(e.type);
    });
    const starts = () => systemd.calls.filter((c) => c.method === 'start').length;
    const startsBefore = starts();
    const second = agent(registry, systemd, new RecordingLogger(), 'fixed', {
      sessionStore: store,
    });
    // Well inside the old lease's 10 s TTL: nothing had to expire.
    await until(() => second.registered, 2_000);
    expect(saved).toBeDefined();
    expect(saved).not.toBe(firstLease);
    await until(async () => (await published('web.service'))?.state === 'launched');
    await advance(15_000, 100); // past the old lease's TTL
    expect((await registry.listMachines()).items.map((m) => m.id)).toEqual([M1]);
    expect(await published('web.service')).toMatchObject({ activeState: 'active' });
    expect(events.filter((t) => t !== 'put')).toEqual([]);
    expect(starts()).toBe(startsBefore);
    await w.close();
  });

  it('refuses a machine ID held by a live agent and registers once it is free', async () => {
    const log = new RecordingLogger();
    const holder = await registry.registerMachine(
      { id: M1, publicIP: '127.0.0.99', metadata: {}, health: {}, version: 'x', capabilities: [] },
      10,
    );
    const a = agent(registry, systemd, log);
    await until(() =>
      log.records.some((r) => r.level === 'error' && r.msg.includes('already registered')),
    );
    await advance(3_000, 50);
    expect(a.registered).toBe(false);
    await holder.close();
    await until(() => a.registered);
    expect((await registry.listMachines()).items[0]?.publicIP).toBe('127.0.0.11');
  });

  it('registers again and republishes when its session is lost', async () => {
    let session: MachineSession | undefined;
    const spy = overriding(registry, {
      registerMachine: async (rec, ttl) => (session = await registry.registerMachine(rec, ttl)),
    });
    const a = agent(spy);
    await assign('web.service');
    await until(async () => (await published('web.service'))?.activeState === 'active');
    await session?.close(); // the lease is gone: machine and states vanish with it
    expect(await published('web.service')).toBeUndefined();
    await until(async () => (await published('web.service'))?.activeState === 'active');
    expect(a.metrics.registrations).toBe(2);
  });

  it('drains on stop: stops and unloads every unit and leaves the cluster', async () => {
    const a = agent();
    await assign('a.service');
    await assign('b.service', 'loaded');
    await until(async () => (await published('a.service'))?.activeState === 'active');
    const stopping = a.stop({ drain: true });
    await advance(200);
    await stopping;
    expect(await systemd.listUnitFiles()).toEqual([]);
    expect((await systemd.unitStates(['a.service'])).get('a.service')?.active).toBe('inactive');
    expect((await registry.listMachines()).items).toEqual([]);
    expect((await registry.listUnitStates()).items).toEqual([]);
  });
});
