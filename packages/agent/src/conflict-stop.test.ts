// Reliability review F9: StopUnit resolves when the stop job is queued, so a unit that
// Conflicts= with or Replaces= a unit of the same machine must wait for that unit to be inactive
// before it starts; otherwise both run for the whole stop time.
import { InMemoryRegistry, type JsonValue } from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { taskUnit, type AgentTask } from '@fleet/scheduler';
import { FakeSystemd } from '@fleet/systemd';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle as flush } from '@fleet/runtime/testing';
import { Agent } from './agent.js';
import { executeTasks } from './executor.js';

const M1 = 'a1000000000000000000000000000001';
const STOP_MS = 5_000;

const opts = (name: string, xfleet: Record<string, string> = {}): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: `/bin/sleep 1000 # ${name}` },
  ...Object.entries(xfleet).map(([n, value]) => ({ section: 'X-Fleet', name: n, value })),
];

const RUNNING = new Set(['active', 'activating', 'reloading']);
const GONE = new Set(['inactive', 'failed']);

describe('conflicting units on one machine (F9)', () => {
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let agent: Agent;
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = new InMemoryRegistry({ clock });
    systemd = new FakeSystemd({ clock, latency: { stop: STOP_MS } });
    const l = await registry.campaign('engine', 600);
    if (l === undefined) throw new Error('no leadership');
    token = l.token;
    agent = new Agent({
      registry,
      systemd,
      machine: { id: M1, publicIP: '127.0.0.11', metadata: {}, version: 'x', capabilities: [] },
      ttlSeconds: 30,
      clock,
      logger: new RecordingLogger(),
      collectHealth: async (): Promise<Record<string, JsonValue>> => ({}),
    });
    agent.start();
  });

  afterEach(async () => {
    const stopping = agent.stop();
    clock.advance(100);
    await stopping;
    await systemd.close();
    await registry.close();
  });

  const state = async (n: string) => (await systemd.unitStates([n])).get(n)?.active ?? 'inactive';

  /** Runs the clock in 20 ms steps; fails if B ever runs while A has not finished stopping. */
  async function watchOverlap(
    a: string,
    b: string,
    ms: number,
  ): Promise<{ bStartedAfter: number }> {
    let bStartedAfter = -1;
    for (let t = 20; t <= ms; t += 20) {
      clock.advance(20);
      await flush();
      const sa = await state(a);
      const sb = await state(b);
      expect({ t, a: sa, b: sb, together: RUNNING.has(sb) && !GONE.has(sa) }).toMatchObject({
        together: false,
      });
      if (bStartedAfter < 0 && RUNNING.has(sb)) bStartedAfter = t;
    }
    return { bStartedAfter };
  }

  async function launch(name: string, o: UnitOption[]): Promise<void> {
    await registry.createUnit({ name, options: o, desiredState: 'launched' });
  }

  async function runA(): Promise<void> {
    await launch('a.service', opts('a.service'));
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'a.service',
        hash: unitHash(opts('a.service')),
        desiredState: 'launched',
      },
    ]);
    for (let i = 0; i < 100 && (await state('a.service')) !== 'active'; i++) {
      clock.advance(20);
      await flush();
    }
    expect(await state('a.service')).toBe('active');
  }

  it('starts B (Replaces=a.service) only once A, moved away in the same change, is inactive', async () => {
    await runA();
    const b = opts('b.service', { Replaces: 'a.service' });
    await launch('b.service', b);
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'a.service' },
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'b.service',
        hash: unitHash(b),
        desiredState: 'launched',
      },
    ]);
    const { bStartedAfter } = await watchOverlap('a.service', 'b.service', STOP_MS + 3_000);
    // B does start, after A's stop time (the wait ends, it does not give up B).
    expect(bStartedAfter).toBeGreaterThanOrEqual(STOP_MS);
    expect(await state('b.service')).toBe('active');
  });

  it('waits the same way when A is the one that declares Conflicts=b.service', async () => {
    const a = opts('a.service', { Conflicts: 'b*.service' });
    await launch('a.service', a);
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'a.service',
        hash: unitHash(a),
        desiredState: 'launched',
      },
    ]);
    for (let i = 0; i < 100 && (await state('a.service')) !== 'active'; i++) {
      clock.advance(20);
      await flush();
    }
    await launch('b.service', opts('b.service'));
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'a.service' },
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'b.service',
        hash: unitHash(opts('b.service')),
        desiredState: 'launched',
      },
    ]);
    const { bStartedAfter } = await watchOverlap('a.service', 'b.service', STOP_MS + 3_000);
    expect(bStartedAfter).toBeGreaterThanOrEqual(STOP_MS);
  });

  it('waits for a destroyed unit that declared Conflicts=b.service, its contents gone from the registry', async () => {
    // The chaos simulation's seeds 938 and 991: a global B conflicted with by A; A destroyed, so
    // the engine unschedules A and schedules B on A's machine in one change, and A's contents
    // (its Conflicts=) have left the registry with it.
    const a = opts('a.service', { Conflicts: 'b.service' });
    await launch('a.service', a);
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'a.service',
        hash: unitHash(a),
        desiredState: 'launched',
      },
    ]);
    for (let i = 0; i < 100 && (await state('a.service')) !== 'active'; i++) {
      clock.advance(20);
      await flush();
    }
    expect(await state('a.service')).toBe('active');
    await registry.destroyUnit('a.service');
    expect(await registry.getContents(unitHash(a))).toBeUndefined();
    await launch('b.service', opts('b.service'));
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'a.service' },
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'b.service',
        hash: unitHash(opts('b.service')),
        desiredState: 'launched',
      },
    ]);
    const { bStartedAfter } = await watchOverlap('a.service', 'b.service', STOP_MS + 3_000);
    expect(bStartedAfter).toBeGreaterThanOrEqual(STOP_MS);
    expect(await state('b.service')).toBe('active');
  });

  it('waits for a conflicting unit whose unload an earlier pass already ran', async () => {
    await runA();
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'a.service' },
    ]);
    for (let i = 0; i < 50 && (await state('a.service')) !== 'deactivating'; i++) {
      clock.advance(20);
      await flush();
    }
    expect(await state('a.service')).toBe('deactivating');
    const b = opts('b.service', { Conflicts: 'a.service' });
    await launch('b.service', b);
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'b.service',
        hash: unitHash(b),
        desiredState: 'launched',
      },
    ]);
    const { bStartedAfter } = await watchOverlap('a.service', 'b.service', STOP_MS + 3_000);
    expect(bStartedAfter).toBeGreaterThan(0);
    expect(await state('b.service')).toBe('active');
  });

  it('remembers a stopped unit declaring Conflicts= until it is inactive, though its file is gone (globs)', async () => {
    // Found by the real-cluster chaos run: x-7 (Conflicts=x-*) unloaded in one pass, x-41 (same)
    // assigned in the next; by then x-7's file, and so its name, was gone.
    const a = opts('x-a.service', { Conflicts: 'x-*.service' });
    await launch('x-a.service', a);
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'x-a.service',
        hash: unitHash(a),
        desiredState: 'launched',
      },
    ]);
    for (let i = 0; i < 100 && (await state('x-a.service')) !== 'active'; i++) {
      clock.advance(20);
      await flush();
    }
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'x-a.service' },
    ]);
    for (let i = 0; i < 50 && (await state('x-a.service')) !== 'deactivating'; i++) {
      clock.advance(20);
      await flush();
    }
    expect(await state('x-a.service')).toBe('deactivating');
    const b = opts('x-b.service', { Conflicts: 'x-*.service' });
    await launch('x-b.service', b);
    await registry.applyAssignments(token, [
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'x-b.service',
        hash: unitHash(b),
        desiredState: 'launched',
      },
    ]);
    const { bStartedAfter } = await watchOverlap('x-a.service', 'x-b.service', STOP_MS + 3_000);
    expect(bStartedAfter).toBeGreaterThan(0);
    expect(await state('x-b.service')).toBe('active');
  });

  it('does not wait for an unrelated unit that stops', async () => {
    await runA();
    const b = opts('b.service');
    await launch('b.service', b);
    await registry.applyAssignments(token, [
      { kind: 'unschedule', machineId: M1, unit: 'a.service' },
      {
        kind: 'schedule',
        machineId: M1,
        unit: 'b.service',
        hash: unitHash(b),
        desiredState: 'launched',
      },
    ]);
    let together = false;
    for (let t = 0; t < 1_000; t += 20) {
      clock.advance(20);
      await flush();
      if (RUNNING.has(await state('b.service')) && !GONE.has(await state('a.service')))
        together = true;
    }
    expect(together).toBe(true);
  });
});

describe('executeTasks: a start put off while a conflicting unit stops', () => {
  async function world() {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const systemd = new FakeSystemd({ clock, latency: { stop: 1_000_000 } });
    const a = opts('a.service');
    const b = opts('b.service', { Replaces: 'a.service' });
    const c = opts('c.service');
    for (const [name, o] of [
      ['a.service', a],
      ['b.service', b],
      ['c.service', c],
    ] as const)
      await registry.createUnit({ name, options: o, desiredState: 'launched' });
    const load = (unit: string, o: UnitOption[]): AgentTask[] => [
      { kind: 'load', unit, hash: unitHash(o), reason: 'test' },
      { kind: 'reload', reason: 'test' },
      { kind: 'start', unit, reason: 'test' },
    ];
    const run = async (tasks: AgentTask[], o: Parameters<typeof executeTasks>[3] = {}) => {
      const p = executeTasks(tasks, systemd, registry, { clock, ...o });
      for (let i = 0; i < 5; i++) {
        clock.advance(10);
        await flush();
      }
      return p;
    };
    const active = async (n: string) => (await systemd.unitStates([n])).get(n)?.active;
    for (const [u, o] of [
      ['a.service', a],
      ['c.service', c],
    ] as const)
      expect((await run(load(u, o))).map((x) => x.error)).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    return { clock, registry, systemd, a, b, load, run, active };
  }

  it('does not hold the pass: the other units of the plan are stopped at once', async () => {
    const w = await world();
    // a is replaced by b, and c is moved away, in one plan: c's stop must not wait for a's.
    const out = await w.run([
      { kind: 'unload', unit: 'a.service', reason: 'test' },
      { kind: 'unload', unit: 'c.service', reason: 'test' },
      ...w.load('b.service', w.b),
    ]);
    expect(out.filter((o) => o.deferred === true).map((o) => taskUnit(o.task))).toEqual([
      'b.service',
    ]);
    expect(await w.active('b.service')).toBe('inactive');
    expect(await w.active('a.service')).toBe('deactivating');
    expect(['deactivating', 'inactive']).toContain(await w.active('c.service'));
    await w.systemd.close();
    await w.registry.close();
  });

  /** Creates `name` with `o`, loads and starts it; `extra` goes to every executeTasks call. */
  async function running(
    w: Awaited<ReturnType<typeof world>>,
    name: string,
    o: UnitOption[],
    extra: Parameters<typeof executeTasks>[3] = {},
  ): Promise<void> {
    await w.registry.createUnit({ name, options: o, desiredState: 'launched' });
    const out = await w.run(w.load(name, o), extra);
    expect(out.map((x) => x.error)).toEqual([undefined, undefined, undefined]);
    expect(await w.active(name)).toBe('active');
  }

  it('waits for a stopping unit whose contents are unknown (destroyed, none remembered), in later passes too', async () => {
    const w = await world();
    const stoppingDeclared = new Map<string, readonly UnitOption[] | undefined>();
    await running(w, 'd.service', opts('d.service', { Conflicts: 'e.service' }));
    await w.registry.destroyUnit('d.service');
    const e = opts('e.service');
    await w.registry.createUnit({ name: 'e.service', options: e, desiredState: 'launched' });
    const first = await w.run(
      [{ kind: 'unload', unit: 'd.service', reason: 'test' }, ...w.load('e.service', e)],
      { stoppingDeclared },
    );
    expect(first.find((x) => x.task.kind === 'start')?.deferred).toBe(true);
    const again = await w.run([{ kind: 'start', unit: 'e.service', reason: 'test' }], {
      stoppingDeclared,
    });
    expect(again).toMatchObject([{ deferred: true }]);
    expect(await w.active('d.service')).toBe('deactivating');
    expect(await w.active('e.service')).toBe('inactive');
    await w.systemd.close();
    await w.registry.close();
  });

  it('remembers the contents of its files: a destroyed unit that declares nothing is not waited for', async () => {
    const w = await world();
    const knownContents = new Map<string, readonly UnitOption[]>();
    await running(w, 'f.service', opts('f.service'), { knownContents });
    await w.registry.destroyUnit('f.service');
    const g = opts('g.service');
    await w.registry.createUnit({ name: 'g.service', options: g, desiredState: 'launched' });
    const out = await w.run(
      [{ kind: 'unload', unit: 'f.service', reason: 'test' }, ...w.load('g.service', g)],
      { knownContents },
    );
    expect(out.map((x) => x.deferred ?? false)).toEqual([false, false, false, false]);
    expect(await w.active('g.service')).toBe('active');
    await w.systemd.close();
    await w.registry.close();
  });

  it('starts it anyway after stopWaitMs, with a warning, when the stop never finishes', async () => {
    const w = await world();
    const logger = new RecordingLogger();
    const deferrals = new Map<string, number>();
    const stoppingDeclared = new Map<string, readonly UnitOption[]>();
    const o = { logger, stopWaitMs: 90_000, deferrals, stoppingDeclared };
    const first = await w.run(
      [{ kind: 'unload', unit: 'a.service', reason: 'test' }, ...w.load('b.service', w.b)],
      o,
    );
    expect(first.find((x) => x.task.kind === 'start')?.deferred).toBe(true);
    // Later passes plan the start again; each puts it off until 90 s have gone by.
    const start: AgentTask[] = [{ kind: 'start', unit: 'b.service', reason: 'test' }];
    for (let t = 0; t < 80; t++) {
      w.clock.advance(1_000);
      const again = await w.run(start, o);
      expect({ t, again }).toMatchObject({ t, again: [{ deferred: true }] });
    }
    expect(await w.active('b.service')).toBe('inactive');
    w.clock.advance(8_000); // 80 x 1.05 s + 8 s: past the 90 s
    const last = await w.run(start, o);
    expect(last[0]).toEqual({ task: start[0] });
    expect(await w.active('b.service')).toBe('active');
    expect(deferrals.size).toBe(0);
    expect(logger.records.some((r) => r.level === 'warn' && /still stopping/.test(r.msg))).toBe(
      true,
    );
    await w.systemd.close();
    await w.registry.close();
  });
});
