// The leader's cordons and drains (docs/operating.md, "Machine administrative state"): it reads
// the machine-admin records (listed, then watched) and marks those machines in every pass's
// snapshot, so the planner gives them no new unit; while a machine drains it reads units,
// assignments and unit states about once a second, runs the pure step (@fleet/scheduler
// stepDrain), and lets the planner move only the copies the step released (the drain gate).
import type {
  EngineStore,
  EventInput,
  Leadership,
  MachineAdminState,
  Unit,
  Watch,
} from '@fleet/registry';
import { silentLogger, sleep, systemClock, type Clock, type Logger } from '@fleet/runtime';
import {
  stepDrain,
  type DrainGate,
  type DrainMove,
  type DrainUnit,
  type SnapshotMachine,
} from '@fleet/scheduler';
import { fleetRequirements, groupOf, rolloutPolicy } from '@fleet/unit';

/** A machine's administrative state, if it has one. */
export type AdminLookup = (machineId: string) => MachineAdminState | undefined;

/** The snapshot's machines with their administrative state. */
export function withAdmin(machines: SnapshotMachine[], adminOf: AdminLookup): SnapshotMachine[] {
  return machines.map((m) => {
    const admin = adminOf(m.id);
    return admin === undefined ? m : { ...m, admin };
  });
}

/** What the drain needs of the leader's cluster cache. */
export interface Replanner {
  /** Plans everything again at the next pass. */
  replan(): void;
}

/** What a {@link DrainController} is built from. */
export interface DrainOptions {
  readonly registry: EngineStore;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** How often a drain is looked at (default 1 s). */
  readonly tickMs?: number;
  /** Told `machine.drained` events. */
  readonly emit?: (e: EventInput) => void;
}

/** Drives the cordons and drains of an engine's terms; it is the planner's drain gate. */
export class DrainController implements DrainGate {
  private admins = new Map<string, MachineAdminState>();
  private moves = new Map<string, DrainMove>();
  private drained = new Set<string>();
  /** Parsed settings of units by name and hash. */
  private known = new Map<string, { hash: string; unit: DrainUnit }>();
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: DrainOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'drain' });
  }

  /** An engine's drain: over its store, its events to `opts.events`. */
  static of(
    opts: { readonly events?: { emit(e: EventInput): void } },
    registry: EngineStore,
    clock: Clock,
    logger: Logger,
  ): DrainController {
    return new DrainController({ registry, clock, logger, emit: (e) => opts.events?.emit(e) });
  }

  /** The administrative state of a machine, as last read. */
  readonly adminOf: AdminLookup = (id) => this.admins.get(id);

  /**
   * Whether this term has read the records yet. Until it has, the engine plans nothing: a pass
   * before it would see no machine cordoned and could place units on one.
   */
  get ready(): boolean {
    return this.readThisTerm;
  }
  private readThisTerm = false;

  released(unit: string, machineId: string): boolean {
    return this.moves.get(unit)?.from === machineId;
  }

  /** Runs for one leadership term, until `stop`; `end()` waits for it. */
  during(
    l: Leadership,
    cacheOf: () => Replanner | undefined,
    stop: AbortSignal,
  ): { end(): Promise<void> } {
    const done = new AbortController();
    const running = this.run(l, cacheOf, AbortSignal.any([stop, done.signal]));
    return {
      end: () => {
        done.abort();
        return running;
      },
    };
  }

  private async run(
    l: Leadership,
    cacheOf: () => Replanner | undefined,
    stop: AbortSignal,
  ): Promise<void> {
    this.moves = new Map();
    this.readThisTerm = false;
    let watch: Watch | undefined;
    let lost = true;
    try {
      while (!stop.aborted) {
        try {
          if (lost) {
            await watch?.close();
            const listed = await this.opts.registry.listMachineAdmin();
            this.admins = new Map(listed.items.map((a) => [a.machineId, a.state]));
            lost = false;
            this.readThisTerm = true;
            watch = this.opts.registry.watchMachineAdmin(listed.revision, (e) => {
              if (e.type === 'resync') lost = true;
              else if (e.type === 'put') this.admins.set(e.admin.machineId, e.admin.state);
              else this.admins.delete(e.machineId);
              cacheOf()?.replan();
            });
            cacheOf()?.replan();
          }
          if (l.isLeader() && [...this.admins.values()].includes('draining')) {
            await this.tick(cacheOf);
          }
        } catch (err) {
          if (!stop.aborted) this.log.warn({ err }, 'drain step failed; trying again');
        }
        await sleep(this.clock, this.opts.tickMs ?? 1000, stop);
      }
    } finally {
      await watch?.close();
    }
  }

  private async tick(cacheOf: () => Replanner | undefined): Promise<void> {
    const { registry } = this.opts;
    const [units, assignments, states] = await Promise.all([
      registry.listUnits(),
      registry.listAssignments(),
      registry.listUnitStates(),
    ]);
    const draining = new Set(
      [...this.admins].filter(([, s]) => s === 'draining').map(([id]) => id),
    );
    const step = stepDrain({
      draining,
      units: this.drainUnits(units.items),
      assignments: assignments.items,
      states: states.items,
      moves: this.moves,
      now: this.clock.now(),
    });
    const before = [...this.moves.values()].map((m) => `${m.unit}@${m.from}`).join();
    this.moves = step.moves;
    const after = [...this.moves.values()].map((m) => `${m.unit}@${m.from}`).join();
    if (before !== after) {
      this.log.info({ moving: [...this.moves.keys()] }, 'drain moves copies');
      cacheOf()?.replan();
    }
    for (const id of step.drained) {
      if (this.drained.has(id)) continue;
      const message = `machine ${id} drained: only global units are left on it`;
      this.opts.emit?.({ kind: 'machine.drained', machineId: id, message });
      this.log.info({ machine: id }, message);
    }
    this.drained = new Set(step.drained);
  }

  private drainUnits(units: readonly Unit[]): Map<string, DrainUnit> {
    const out = new Map<string, DrainUnit>();
    const known = new Map<string, { hash: string; unit: DrainUnit }>();
    for (const u of units) {
      const k = this.known.get(u.name);
      const base =
        k?.hash === u.hash
          ? k.unit
          : {
              name: u.name,
              group: groupOf(u.name),
              global: fleetRequirements(u.name, u.options).global,
              desiredState: u.desiredState,
              policy: rolloutPolicy(u.options),
            };
      const unit = { ...base, desiredState: u.desiredState };
      known.set(u.name, { hash: u.hash, unit });
      out.set(u.name, unit);
    }
    this.known = known;
    return out;
  }
}
