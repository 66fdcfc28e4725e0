// Test helpers for the agent (the `@fleet/agent/testing` subpath, never the main entry): agents
// over one InMemoryRegistry and FakeSystemds on one ManualClock, and a link to the registry that a
// test can cut (and restore) like a partition.
import {
  InMemoryRegistry,
  UnavailableError,
  type AssignmentEvent,
  type JsonValue,
  type MachineSession,
  type Registry,
} from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { advanceBy, advanceUntil, settle } from '@fleet/runtime/testing';
import { FakeSystemd } from '@fleet/systemd';
import { overriding } from '@fleet/testkit';
import { unitHash, type DesiredState, type UnitOption } from '@fleet/unit';
import { Agent, type AgentOptions } from '../agent.js';

export const M1 = 'a1000000000000000000000000000001';

/** A unit that runs until stopped; `global` adds `[X-Fleet] Global=true`. */
export function unitOptions(name: string, global = false): UnitOption[] {
  return [
    { section: 'Unit', name: 'Description', value: name },
    { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
    ...(global ? [{ section: 'X-Fleet', name: 'Global', value: 'true' }] : []),
  ];
}

/** Lets pending promise callbacks run. */
export const flush = (): Promise<void> => settle();

/** FakeSystemd calls that change nothing. */
const READS = new Set(['listUnitFiles', 'unitStates', 'systemState']);

/** The calls of `sd` that change something in systemd (writes, links, starts, stops, ...). */
export function changingCalls(sd: FakeSystemd): string[] {
  return sd.calls.filter((c) => !READS.has(c.method)).map((c) => `${c.method} ${c.name ?? ''}`);
}

/** How many times `method` was called for `unit`. */
export function callCount(sd: FakeSystemd, method: string, unit: string): number {
  return sd.calls.filter((c) => c.method === method && c.name === unit).length;
}

/** Agents over one in-memory registry, each with its own FakeSystemd, on one manual clock. */
export class AgentBench {
  readonly clock = new ManualClock();
  readonly registry = new InMemoryRegistry({ clock: this.clock });
  private readonly agents: Agent[] = [];
  private readonly systemds: FakeSystemd[] = [];
  private token = '';

  static async create(): Promise<AgentBench> {
    const b = new AgentBench();
    const l = await b.registry.campaign('engine-under-test', 600);
    if (l === undefined) throw new Error('no leadership');
    b.token = l.token;
    return b;
  }

  systemd(): FakeSystemd {
    const sd = new FakeSystemd({ clock: this.clock });
    this.systemds.push(sd);
    return sd;
  }

  /** A started agent of machine M1 (TTL 10 s) over `registry` and `systemd`. */
  agent(opts: Partial<AgentOptions> & { systemd: FakeSystemd; logger?: RecordingLogger }): Agent {
    const a = new Agent({
      registry: this.registry,
      machine: { id: M1, publicIP: '127.0.0.11', metadata: {}, version: '0.1.0', capabilities: [] },
      ttlSeconds: 10,
      clock: this.clock,
      logger: new RecordingLogger(),
      collectHealth: async (): Promise<Record<string, JsonValue>> => ({}),
      ...opts,
    });
    this.agents.push(a);
    a.start();
    return a;
  }

  /** Creates `unit` (if new) and assigns it to M1, launched. */
  async assign(unit: string, global = false): Promise<void> {
    await this.assignAll([unit], global);
  }

  /** Creates the units (if new) and assigns them to M1, launched, in one transaction. */
  async assignAll(units: readonly string[], global = false): Promise<void> {
    for (const unit of units) {
      if ((await this.registry.getUnit(unit)) === undefined)
        await this.registry.createUnit({
          name: unit,
          options: unitOptions(unit, global),
          desiredState: 'launched',
        });
    }
    await this.registry.applyAssignments(
      this.token,
      units.map((unit) => ({
        kind: 'schedule',
        machineId: M1,
        unit,
        hash: unitHash(unitOptions(unit, global)),
        desiredState: 'launched',
      })),
    );
  }

  /**
   * Sets the desired state of `unit` (created if new) and assigns it to M1 with that state, as the
   * API and then the engine would.
   */
  async assignAs(unit: string, desiredState: DesiredState): Promise<void> {
    if ((await this.registry.getUnit(unit)) === undefined)
      await this.registry.createUnit({ name: unit, options: unitOptions(unit), desiredState });
    else await this.registry.setDesiredState(unit, desiredState);
    await this.registry.applyAssignments(this.token, [
      { kind: 'schedule', machineId: M1, unit, hash: unitHash(unitOptions(unit)), desiredState },
    ]);
  }

  /** Creates or replaces `unit` with `options` and assigns that content to M1 as `desiredState`. */
  async assignOptions(
    unit: string,
    options: readonly UnitOption[],
    desiredState: DesiredState = 'launched',
  ): Promise<void> {
    const input = { name: unit, options, desiredState };
    if ((await this.registry.getUnit(unit)) === undefined) await this.registry.createUnit(input);
    else await this.registry.replaceUnit(input);
    await this.registry.applyAssignments(this.token, [
      { kind: 'schedule', machineId: M1, unit, hash: unitHash(options), desiredState },
    ]);
  }

  async unschedule(unit: string): Promise<void> {
    await this.registry.applyAssignments(this.token, [{ kind: 'unschedule', machineId: M1, unit }]);
  }

  /** Runs the clock for `ms` in steps of `step`, letting the agents work. */
  advance(ms: number, step = 10): Promise<void> {
    return advanceBy(this.clock, ms, step);
  }

  /** Advances until `cond` holds; returns the clock time it took. Throws after `maxMs`. */
  until(cond: () => boolean | Promise<boolean>, maxMs = 30_000, step = 10): Promise<number> {
    return advanceUntil(this.clock, cond, { maxMs, stepMs: step });
  }

  async close(): Promise<void> {
    for (const a of this.agents) {
      const p = a.stop();
      await this.advance(100);
      await p;
    }
    for (const sd of this.systemds) await sd.close();
    await this.registry.close();
  }
}

/** systemd's active state of `unit` on `sd`. */
export async function activeState(sd: FakeSystemd, unit: string): Promise<string | undefined> {
  return (await sd.unitStates([unit])).get(unit)?.active;
}

/**
 * The agent's link to the registry, which a test cuts like a partition: while cut, every call
 * fails as unavailable, the machine's lease is no longer renewed (it expires after its TTL) but
 * the agent is not told, and watch events are held. On `restore` the agent learns that a lease
 * that expired is gone, and the held events are replayed one every `replayStepMs` (etcd replays
 * a long history in chunks about 100 ms apart).
 */
export function cuttable(registry: Registry, clock: ManualClock, replayStepMs = 100) {
  let cut = false;
  const held: (() => void)[] = [];
  const sessions: { inner: MachineSession; lost: AbortController }[] = [];
  const down = () => new UnavailableError(['http://127.0.0.1:1']);
  const unlessCut =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      cut ? Promise.reject(down()) : fn(...a);
  const replay = () => {
    const next = held.shift();
    next?.();
    if (held.length > 0) clock.setTimer(replayStepMs, replay);
  };
  const link = overriding(registry, {
    listAssignments: unlessCut((m?: string) => registry.listAssignments(m)),
    getContents: unlessCut((h: string) => registry.getContents(h)),
    getContentsMany: unlessCut((h: readonly string[]) => registry.getContentsMany(h)),
    watchAssignments: (m: string | undefined, rev: string, fn: (e: AssignmentEvent) => void) =>
      registry.watchAssignments(m, rev, (e) => {
        if (cut || held.length > 0) held.push(() => fn(e));
        else fn(e);
      }),
    registerMachine: unlessCut(async (...args: Parameters<Registry['registerMachine']>) => {
      const inner = await registry.registerMachine(...args);
      const lost = new AbortController();
      inner.signal.addEventListener('abort', () => {
        if (!cut) lost.abort(inner.signal.reason);
      });
      sessions.push({ inner, lost });
      return overriding(inner, {
        signal: lost.signal,
        update: unlessCut((r: Parameters<MachineSession['update']>[0]) => inner.update(r)),
        publishUnitStates: unlessCut((s: Parameters<MachineSession['publishUnitStates']>[0]) =>
          inner.publishUnitStates(s),
        ),
        removeUnitState: unlessCut((u: string) => inner.removeUnitState(u)),
      });
    }),
  });
  return {
    link,
    /** When the latest session's lease was last renewed (acknowledged). */
    lastRenewedAt: (): number | undefined => sessions.at(-1)?.inner.lastRenewedAt(),
    /** Events held so far and not replayed yet. */
    held: () => held.length,
    cut(): void {
      cut = true;
      // Keepalives stop reaching etcd: the lease expires after its TTL, unknown to the agent.
      for (const s of sessions) s.inner.release();
    },
    restore(): void {
      cut = false;
      for (const s of sessions) if (s.inner.signal.aborted) s.lost.abort(s.inner.signal.reason);
      replay();
    },
  };
}
