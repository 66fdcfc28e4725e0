// The simulated cluster: one in-memory store on a manual clock, 3–5 machines each with a fake
// systemd and a fleetd (Agent + Engine, all campaigning), and a client for the workload; plus
// the recorder that turns what happens into a testkit History.
import { InMemoryRegistry, isRegistryError, Keys, KvRegistry, type Watch } from '@fleet/registry';
import { ManualClock, type Logger } from '@fleet/runtime';
import {
  exclusive,
  HistoryRecorder,
  type FinalState,
  type RegisterValue,
  type UnitSpec,
  type WriteOutcome,
} from '@fleet/testkit';
import { ComponentClock } from './component-clock.js';
import { FaultyKv, type CommittedTxn, type Kv, type KvOp } from './faulty-kv.js';
import { SimFleetd } from './fleetd.js';
import { SimMachine, type MachineConfig } from './machine.js';
import type { Prng } from './prng.js';
import { TraceLogger } from './trace.js';
import { alwaysPlaceable, UNIT_POOL, type WorkloadUnit } from './workload.js';

/** The shared store, with its Kv reachable for the per-fleetd links. */
class SharedStore extends InMemoryRegistry {
  get kv(): Kv {
    return this.core.kv;
  }
}

const START = 1_000_000;
const keys = new Keys();

export class World {
  readonly clock = new ManualClock(START);
  readonly recorder = new HistoryRecorder(START);
  private readonly store = new SharedStore({ clock: this.clock });
  readonly machines: SimMachine[];
  readonly client: { kv: FaultyKv; registry: KvRegistry };
  /** Who holds the leader key now (from a watch on the store itself). */
  leader: { holder: string; token: string } | undefined;
  private readonly leaderWatch: Watch;
  private readonly reconciles = new Map<SimFleetd, number>();
  private readonly clones: { host: SimMachine; machine: string }[] = [];
  private nextPendingAt = 0;
  /** What each unit name was last created as. */
  readonly specs = new Map<string, UnitSpec>();

  private readonly logger: Logger | undefined;

  constructor(
    configs: readonly MachineConfig[],
    private readonly prng: Prng,
    trace?: (line: string) => void,
  ) {
    this.logger = trace === undefined ? undefined : new TraceLogger(this.clock, START, trace);
    this.machines = configs.map((c, i) => new SimMachine(c, i, this.clock));
    const clientKv = new FaultyKv(this.store.kv, new ComponentClock(this.clock), (c) =>
      this.committed(c),
    );
    this.client = { kv: clientKv, registry: new KvRegistry(clientKv) };
    this.leaderWatch = this.store.watchLeader((e) => {
      if (e.type !== 'leader') return;
      this.leader =
        e.leader === undefined
          ? undefined
          : { holder: e.leader.candidateId, token: e.leader.token };
      this.recorder.leader({
        at: this.clock.now(),
        revision: Number(e.revision),
        ...(e.leader === undefined ? {} : { holder: e.leader.candidateId, token: e.leader.token }),
      });
    });
  }

  /** Starts every machine's fleetd. */
  start(): void {
    for (const m of this.machines) this.boot(m);
  }

  /** A new fleetd process on `m`. */
  boot(m: SimMachine): SimFleetd {
    const n = ++m.incarnations;
    const f = new SimFleetd({
      machineId: m.id,
      index: m.index,
      incarnation: n,
      base: this.clock,
      store: this.store.kv,
      fake: m.fake,
      sessions: m.sessions.for(n, (i) => m.fleetd?.deps.incarnation === i && !m.fleetd.dead),
      random: () => this.prng.float(),
      onCommit: (c) => this.committed(c),
      ...(this.logger === undefined ? {} : { logger: this.logger }),
    });
    m.fleetd = f;
    f.start();
    return f;
  }

  /** The assignment writes of a committed transaction, with the token it was fenced on. */
  private committed({ txn, result }: CommittedTxn): void {
    const fence = txn.compare.find((c) => c.key === keys.leader() && c.target === 'create');
    const token = fence === undefined ? 'none' : String(fence.value);
    const walk = (ops: readonly KvOp[]) => {
      for (const op of ops) {
        if (op.type === 'txn') {
          walk(op.txn.success);
          continue;
        }
        if (op.type === 'range') continue;
        const k = keys.parse(op.key);
        if (k?.kind !== 'assign') continue;
        this.recorder.assignment({
          at: this.clock.now(),
          revision: Number(result.revision),
          unit: k.name,
          machine: k.machineId,
          op: op.type === 'put' ? 'schedule' : 'unschedule',
          token,
        });
      }
    };
    walk(txn.success);
  }

  /** Moves time by `ms` and records what runs, the leader's passes and (every second) pending work. */
  async step(ms: number): Promise<void> {
    await this.clock.tick(ms);
    const now = this.clock.now();
    for (const c of this.clones) await this.observe(now, c.host, c.machine);
    for (const m of this.machines) {
      await this.observe(now, m, m.id);
      const f = m.fleetd;
      if (f === undefined || f.dead) continue;
      const passes = f.engine.metrics.reconciles;
      if (passes !== (this.reconciles.get(f) ?? 0)) {
        this.reconciles.set(f, passes);
        if (this.leader?.holder === m.id)
          this.recorder.pass({ at: now, holder: m.id, token: this.leader.token });
      }
    }
    if (now >= this.nextPendingAt) {
      this.nextPendingAt = now + 1_000;
      // Timers armed on the clock: every loop re-arms its own, so a leak shows as growth.
      this.recorder.sample({ at: now, name: 'armed timers', value: this.clock.pendingTimers });
      await this.observePending(now);
    }
  }

  /** What runs on `m`'s systemd now, as host `host` of the history. */
  private async observe(now: number, m: SimMachine, host: string): Promise<void> {
    const running = new Map<string, number | undefined>();
    if (!m.gone) {
      const states = await m.fake.unitStates(UNIT_POOL);
      for (const [name, s] of states)
        if (
          s.active === 'active' ||
          s.active === 'activating' ||
          s.active === 'deactivating' ||
          s.active === 'reloading'
        )
          running.set(name, m.pid(name));
    }
    this.recorder.observeUnits(now, host, running);
  }

  /**
   * A second host with `of`'s machine ID (a cloned /etc/machine-id): its own systemd and a
   * fleetd started with the same ID. Recorded as host `<id>~clone`.
   */
  clone(of: SimMachine): { host: string; end: () => void } {
    const host = new SimMachine(
      { ...of.config },
      this.machines.length + this.clones.length,
      this.clock,
    );
    const entry = { host, machine: `${of.id}~clone` };
    this.clones.push(entry);
    this.boot(host);
    return {
      host: entry.machine,
      end: () => {
        host.fleetd?.kill();
        host.gone = true; // the host is switched off: its units are gone with it
        void host.fake.close();
      },
    };
  }

  private async observePending(now: number): Promise<void> {
    const [units, assignments, machines] = await Promise.all([
      this.store.listUnits(),
      this.store.listAssignments(),
      this.store.listMachines(),
    ]);
    // Placed: assigned to a live machine (a unit left on a machine that is gone waits too).
    const live = new Set(machines.items.map((m) => m.id));
    const placed = new Set(
      assignments.items.filter((a) => live.has(a.machineId)).map((a) => a.unit),
    );
    const pending = units.items
      .filter(
        (u) =>
          u.desiredState !== 'inactive' &&
          !placed.has(u.name) &&
          this.specs.get(u.name)?.global !== true,
      )
      .map((u) => ({
        unit: u.name,
        placeable:
          machines.items.length > 0 &&
          this.placeable(
            u.name,
            units.items.map((x) => x.name),
          ),
      }));
    this.recorder.observePending({ at: now, pending });
  }

  /** A plain unit that no existing unit conflicts with or replaces. */
  private placeable(name: string, existing: readonly string[]): boolean {
    if (!alwaysPlaceable(this.specs.get(name))) return false;
    return !existing.some((o) => {
      const s = this.specs.get(o);
      return s !== undefined && (s.conflicts.includes(name) || s.replaces.includes(name));
    });
  }

  /** One workload write through the client, recorded with its outcome. */
  write(op: 'create', unit: WorkloadUnit, state: RegisterValue): void;
  write(op: 'destroy' | 'set-state', name: string, state: RegisterValue): void;
  write(
    op: 'create' | 'destroy' | 'set-state',
    u: WorkloadUnit | string,
    state: RegisterValue,
  ): void {
    const name = typeof u === 'string' ? u : u.spec.name;
    const id = this.recorder.writeStarted(this.clock.now(), name, op, state);
    const reg = this.client.registry;
    let call: Promise<unknown>;
    if (op === 'create' && typeof u !== 'string') {
      if (state === 'absent') throw new RangeError('create as absent');
      // Known from the start: a create whose answer is lost may still have applied.
      const before = this.specs.get(name);
      this.specs.set(name, u.spec);
      this.recorder.describeUnit(u.spec);
      call = reg
        .createUnit({ name, options: u.options, desiredState: state })
        .catch((err: unknown) => {
          if (isRegistryError(err, 'REGISTRY_UNIT_EXISTS') && before !== undefined) {
            this.specs.set(name, before);
            this.recorder.describeUnit(before);
          }
          throw err;
        });
    } else if (op === 'destroy') call = reg.destroyUnit(name);
    else {
      if (state === 'absent') throw new RangeError('set-state to absent');
      call = reg.setDesiredState(name, state);
    }
    call.then(
      () => this.recorder.writeEnded(this.clock.now(), id, 'ok'),
      (err: unknown) => this.recorder.writeEnded(this.clock.now(), id, outcomeOf(err)),
    );
  }

  /** The leader's machine, if some machine's fleetd holds the key. */
  leaderMachine(): SimMachine | undefined {
    return this.machines.find((m) => m.id === this.leader?.holder);
  }

  async compact(): Promise<void> {
    const { revision } = await this.store.listMachines();
    await this.store.compact(revision);
  }

  /** Revokes a lease as if it had expired. */
  async expireLeases(ids: readonly bigint[]): Promise<void> {
    for (const id of ids) await this.store.kv.revokeLease(id);
  }

  /** The state the run ends in. */
  async finish(): Promise<FinalState> {
    const [units, assignments, machines] = await Promise.all([
      this.store.listUnits(),
      this.store.listAssignments(),
      this.store.listMachines(),
    ]);
    const names = units.items.map((u) => u.name);
    const live = machines.items.map((m) => m.id);
    // A global runs on every live machine that runs no unit it excludes (the scheduler's filters).
    const eligible = (global: string): string[] =>
      live.filter(
        (m) =>
          !assignments.items.some(
            (a) =>
              a.machineId === m &&
              a.unit !== global &&
              exclusive(this.specs.get(global), this.specs.get(a.unit), global, a.unit),
          ),
      );
    const final: FinalState = {
      at: this.clock.now(),
      machines: this.machines.map((m) => ({
        id: m.id,
        live: machines.items.some((x) => x.id === m.id),
      })),
      units: units.items.map((u) => ({
        name: u.name,
        desiredState: u.desiredState,
        global: this.specs.get(u.name)?.global ?? false,
        assignedTo: assignments.items.filter((a) => a.unit === u.name).map((a) => a.machineId),
        placeable: machines.items.length > 0 && this.placeable(u.name, names),
        ...(this.specs.get(u.name)?.global === true ? { eligible: eligible(u.name) } : {}),
      })),
    };
    this.recorder.finish(final);
    return final;
  }

  /** Ends everything at once (no clock time needed). */
  async close(): Promise<void> {
    for (const m of this.machines) m.fleetd?.kill();
    for (const c of this.clones) c.host.fleetd?.kill();
    this.client.kv.setMode('dead');
    await this.leaderWatch.close();
    for (const m of [...this.machines, ...this.clones.map((c) => c.host)]) await m.fake.close();
    await this.store.close();
  }
}

function outcomeOf(err: unknown): WriteOutcome {
  if (
    isRegistryError(err, 'REGISTRY_UNIT_EXISTS') ||
    isRegistryError(err, 'REGISTRY_UNIT_NOT_FOUND') ||
    isRegistryError(err, 'REGISTRY_INVALID_INPUT')
  )
    return 'error';
  return 'unknown';
}
