// A tiny engine plus agents for blocking tests: it places every unit that should run on the
// first machine that `place` allows (recording a reason when none does), and publishes what an
// agent would once it has loaded or started it. Removing a unit unloads it. A global unit is
// loaded or started on every machine. `starts` counts each copy's starts.
import type { Assignment, Unit } from '@fleet/registry';
import { fleetRequirements } from '@fleet/unit';
import type { Harness } from './harness.js';

/** Options of {@link FakeCluster}. */
export interface FakeClusterOptions {
  /** Machines, in placement order. */
  readonly machines: readonly string[];
  /** Where a unit may go (default: anywhere); `undefined` = nowhere, with `reason`. */
  readonly place?: (unit: Unit, machines: readonly string[]) => string | undefined;
  readonly reason?: string;
  /** The systemd active state a started unit reports (default `active`). */
  readonly startedState?: (unit: Unit) => string;
  /** The systemd active state a loaded, not started unit reports (default `inactive`). */
  readonly stoppedState?: (unit: Unit) => string;
  /**
   * The systemd load state of the unit's file (default `loaded`). With any other, starting it
   * fails: the agent reports it `loaded` and systemd `inactive`, as a real agent does.
   */
  readonly loadState?: (unit: Unit) => string;
}

/** A reconcile loop over a harness's registry. */
export class FakeCluster {
  private running = false;
  private loop: Promise<void> | undefined;
  /** Published active state per `unit@machine`, to count starts. */
  private readonly active = new Map<string, string>();
  /** How many times each `unit machine` copy went to active. */
  readonly starts = new Map<string, number>();

  constructor(
    private readonly h: Harness,
    private readonly opts: FakeClusterOptions,
  ) {}

  /** Starts reconciling every `intervalMs`. */
  start(intervalMs = 5): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.reconcile();
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  /** Stops the loop (waits for the current pass). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One pass: schedule, publish, unload. */
  async reconcile(): Promise<void> {
    const reg = this.h.registry;
    const units = (await reg.listUnits()).items;
    const assignments = (await reg.listAssignments()).items;
    const byUnit = new Map<string, Assignment>(assignments.map((a) => [a.unit, a]));
    for (const a of assignments) {
      if (!units.some((u) => u.name === a.unit)) await this.unload(a.unit, a.machineId);
    }
    for (const u of units) {
      if (fleetRequirements(u.name, u.options).global) {
        await this.globalCopies(u);
        continue;
      }
      const a = byUnit.get(u.name);
      if (u.desiredState === 'inactive') {
        if (a !== undefined) await this.unload(u.name, a.machineId);
        continue;
      }
      const target =
        a?.machineId ??
        (this.opts.place === undefined
          ? this.opts.machines[0]
          : this.opts.place(u, this.opts.machines));
      if (target === undefined) {
        if (u.reason !== this.opts.reason) await this.h.reason(u.name, this.opts.reason ?? null);
        continue;
      }
      if (a === undefined || a.hash !== u.hash || a.desiredState !== u.desiredState) {
        await this.h.assign(u.name, target, u.desiredState);
      }
      const loadState = this.opts.loadState?.(u) ?? 'loaded';
      const launched = u.desiredState === 'launched' && loadState === 'loaded';
      const active = launched
        ? (this.opts.startedState?.(u) ?? 'active')
        : (this.opts.stoppedState?.(u) ?? 'inactive');
      await this.publish(u.name, target, active, loadState, launched);
    }
  }

  /** A global unit: every machine's agent loads or starts its copy (no assignments). */
  private async globalCopies(u: Unit): Promise<void> {
    for (const m of this.opts.machines) {
      if (u.desiredState === 'inactive') {
        await this.h.unpublish(u.name, m);
        this.active.delete(`${u.name} ${m}`);
        continue;
      }
      const launched = u.desiredState === 'launched';
      const active = launched
        ? (this.opts.startedState?.(u) ?? 'active')
        : (this.opts.stoppedState?.(u) ?? 'inactive');
      await this.publish(u.name, m, active, 'loaded', launched);
    }
  }

  private async publish(
    unit: string,
    machine: string,
    activeState: string,
    loadState: string,
    launched: boolean,
  ): Promise<void> {
    const key = `${unit} ${machine}`;
    if (activeState === 'active' && this.active.get(key) !== 'active') {
      this.starts.set(key, (this.starts.get(key) ?? 0) + 1);
    }
    this.active.set(key, activeState);
    await this.h.publish(unit, machine, {
      activeState,
      loadState,
      state: launched ? 'launched' : 'loaded',
    });
  }

  private async unload(unit: string, machineId: string): Promise<void> {
    await this.h.registry.applyAssignments(await this.h.leader(), [
      { kind: 'unschedule', machineId, unit },
    ]);
    await this.h.unpublish(unit, machineId);
  }
}
