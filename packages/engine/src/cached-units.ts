import type { EngineStore, ResyncEvent, Unit, UnitEvent } from '@fleet/registry';
import type { SnapshotUnit } from '@fleet/scheduler';
import { fleetRequirements, type DesiredState, type FleetRequirements } from '@fleet/unit';
import { UnitDelta } from './unit-delta.js';

/** A unit as the leader's cache holds it. */
export interface CachedUnit {
  hash: string;
  desiredState: DesiredState;
  reason: string | undefined;
}

/**
 * The leader's parsed `[X-Fleet]` requirements, by unit name and hash (specifiers depend on the
 * name): parsed once per contents, read from the registry in batches for units seen first.
 */
class UnitRequirements {
  private byName = new Map<string, { hash: string; req: FleetRequirements }>();

  /** Replaces them with a listing's, keeping those already parsed for the same contents. */
  replace(units: readonly Unit[]): void {
    const known = this.byName;
    this.byName = new Map();
    for (const u of units) {
      const k = known.get(u.name);
      const req = k?.hash === u.hash ? k.req : fleetRequirements(u.name, u.options);
      this.byName.set(u.name, { hash: u.hash, req });
    }
  }

  delete(name: string): void {
    this.byName.delete(name);
  }

  /**
   * Reads the contents of the units whose requirements are not known for their hash, together, in
   * batched requests (one by one, 10,000 new units cost 10,000 round trips in a row).
   */
  async read(
    registry: Pick<EngineStore, 'getContentsMany'>,
    units: Iterable<readonly [string, CachedUnit]>,
  ): Promise<void> {
    const stale = [...units].filter(([name, u]) => this.byName.get(name)?.hash !== u.hash);
    if (stale.length === 0) return;
    const contents = await registry.getContentsMany(stale.map(([, u]) => u.hash));
    for (const [name, u] of stale) {
      const options = contents.get(u.hash);
      if (options !== undefined)
        this.byName.set(name, { hash: u.hash, req: fleetRequirements(name, options) });
    }
  }

  /** Whether a unit's requirements are not known for its hash (a read is due). */
  stale(units: Iterable<readonly [string, CachedUnit]>): boolean {
    for (const [name, u] of units) if (this.byName.get(name)?.hash !== u.hash) return true;
    return false;
  }

  /** The unit as the planner sees it, or undefined if its contents are not known (yet). */
  unit(name: string, u: CachedUnit): SnapshotUnit | undefined {
    const r = this.byName.get(name);
    if (r === undefined || r.hash !== u.hash) return undefined;
    return { name, hash: u.hash, desiredState: u.desiredState, requirements: r.req };
  }
}

/**
 * The units in the leader's cache: their heads, parsed requirements and recorded reasons, and
 * which changed since the last snapshot (see UnitDelta).
 */
export class CachedUnits {
  private readonly units = new Map<string, CachedUnit>();
  private readonly requirements = new UnitRequirements();
  /** Units whose recorded reason is set (each pass reads them: not a scan of every unit). */
  private readonly reasoned = new Set<string>();
  /** Which units changed since the last snapshot, if nothing else did. */
  readonly delta = new UnitDelta();

  /** Replaces every unit with a listing's. */
  replace(items: readonly Unit[]): void {
    this.units.clear();
    this.reasoned.clear();
    for (const u of items) {
      this.units.set(u.name, { hash: u.hash, desiredState: u.desiredState, reason: u.reason });
      if (u.reason !== undefined) this.reasoned.add(u.name);
    }
    this.requirements.replace(items);
    this.delta.all();
  }

  /** Applies a watch event; returns whether it changed anything the planner reads. */
  event(e: Exclude<UnitEvent, ResyncEvent>): boolean {
    if (e.type === 'delete') {
      this.units.delete(e.name);
      this.requirements.delete(e.name);
      this.reasoned.delete(e.name);
      this.delta.all();
      return true;
    }
    const { name, hash, desiredState } = e.unit;
    const old = this.units.get(name);
    if (old !== undefined && old.hash === hash && old.desiredState === desiredState) return false;
    if (old === undefined || old.hash === hash) this.delta.unit(name);
    else this.delta.all();
    this.units.set(name, { hash, desiredState, reason: old?.reason });
    return true;
  }

  /** Every unit whose contents are known (read first for units seen first). */
  async all(registry: Pick<EngineStore, 'getContentsMany'>): Promise<SnapshotUnit[]> {
    this.delta.clear();
    // A unit given new contents while a read was out is read again (up to three reads in all):
    // left out of the snapshot it would look destroyed, and its copies would be unscheduled.
    for (let reads = 0; reads < 3 && this.requirements.stale(this.units); reads++)
      await this.requirements.read(registry, this.units);
    const units: SnapshotUnit[] = [];
    for (const [name, u] of this.units) {
      // Contents not found: destroyed or replaced meanwhile; the watch has said so and another
      // pass follows.
      const unit = this.requirements.unit(name, u);
      if (unit !== undefined) units.push(unit);
    }
    return units;
  }

  /**
   * The units that changed since the last snapshot, if nothing else did; undefined otherwise, or
   * if one was destroyed or given new contents meanwhile, or its contents were not found.
   */
  async changed(
    registry: Pick<EngineStore, 'getContentsMany'>,
  ): Promise<SnapshotUnit[] | undefined> {
    const names = this.delta.take();
    if (names === undefined) return undefined;
    const changed: [string, CachedUnit][] = [];
    for (const n of names) {
      const u = this.units.get(n);
      if (u !== undefined) changed.push([n, u]);
    }
    try {
      await this.requirements.read(registry, changed);
    } catch (err) {
      this.delta.all(); // the changed units are not forgotten: a full snapshot reads them
      throw err;
    }
    const units: SnapshotUnit[] = [];
    for (const name of names) {
      const u = this.units.get(name);
      const unit = u === undefined ? undefined : this.requirements.unit(name, u);
      if (unit === undefined) {
        this.delta.all();
        return undefined;
      }
      units.push(unit);
    }
    return units;
  }

  /** Every unit's head by name (read-only: the rollouts read their groups from it). */
  heads(): ReadonlyMap<string, Readonly<CachedUnit>> {
    return this.units;
  }

  /** The reason last recorded for a unit (`undefined` if none or unknown). */
  reasonOf(unit: string): string | undefined {
    return this.units.get(unit)?.reason;
  }

  /** Units whose recorded reason is set. */
  withReason(): string[] {
    return [...this.reasoned];
  }

  /** Remembers a reason the engine wrote (reason changes are not in the unit watch). */
  setReason(unit: string, reason: string | undefined): void {
    const u = this.units.get(unit);
    if (u === undefined) return;
    u.reason = reason;
    if (reason === undefined) this.reasoned.delete(unit);
    else this.reasoned.add(unit);
  }
}
