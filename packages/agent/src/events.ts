// The agent's part of the cluster event log (docs/deploys.md "Events"): `unit.started`,
// `unit.failed` and `unit.stopped` when a unit's active state on this machine changes, as the
// agent observes it. Emission goes through an EventSink: it never waits and never fails a pass.
import type { EventInput, EventSink } from '@fleet/registry';
import type { AgentTask } from '@fleet/scheduler';
import type { SystemdUnitStatus } from '@fleet/systemd';
import { groupOf } from '@fleet/unit';

/** The settled active states whose changes are events; states under way are passed over. */
type Settled = 'active' | 'inactive' | 'failed';
const isSettled = (s: string): s is Settled => s === 'active' || s === 'inactive' || s === 'failed';

/**
 * Each owned unit's last settled active state, and the events its changes make. The first state
 * seen of a unit is where it starts (a fleetd that restarts finds its units running and says
 * nothing), except for a unit this agent is about to load or start ({@link planned}): it is not
 * running, so its first `active` is a start and its first `failed` a failure. Memory is bounded
 * by the units the machine holds ({@link keepOnly}).
 */
export class UnitEvents {
  private readonly last = new Map<string, Settled>();

  constructor(
    private readonly sink: EventSink,
    private readonly machineId: string,
  ) {}

  /** A pass is about to run these tasks: the units it loads or starts are not running now. */
  planned(tasks: readonly AgentTask[]): void {
    for (const t of tasks) {
      if ((t.kind === 'load' || t.kind === 'start') && !this.last.has(t.unit)) {
        this.last.set(t.unit, 'inactive');
      }
    }
  }

  /** A state of `unit` observed on this machine. */
  observe(unit: string, state: SystemdUnitStatus): void {
    const cur = state.active;
    if (state.job !== undefined || !isSettled(cur)) return;
    const prev = this.last.get(unit);
    this.last.set(unit, cur);
    if (prev === cur || prev === undefined) return;
    const on = `${unit} on ${this.machineId}`;
    if (cur === 'active') this.emit('unit.started', unit, `${unit} started on ${this.machineId}`);
    else if (cur === 'failed') this.emit('unit.failed', unit, `${on} failed (${state.sub})`);
    else if (prev === 'active')
      this.emit('unit.stopped', unit, `${unit} stopped on ${this.machineId}`);
  }

  /**
   * The agent unloaded `unit` (stopped it if it ran, removed its file): not running now. A new
   * file loaded in the same pass (new content) starts from there; otherwise {@link keepOnly}
   * forgets it.
   */
  unloaded(unit: string, reason: string): void {
    if (this.last.get(unit) === 'active') {
      this.emit('unit.stopped', unit, `${unit} stopped on ${this.machineId} (${reason})`);
    }
    this.last.set(unit, 'inactive');
  }

  /** The agent drained the machine (fleet's SIGTERM): every unit stopped and unloaded. */
  drained(): void {
    const message = `machine ${this.machineId} drained: fleetd stopped and unloaded its units`;
    this.sink.emit({ kind: 'machine.drained', machineId: this.machineId, message });
  }

  /** Forgets the units the machine no longer holds. */
  keepOnly(owned: ReadonlySet<string>): void {
    for (const unit of this.last.keys()) if (!owned.has(unit)) this.last.delete(unit);
  }

  private emit(kind: EventInput['kind'], unit: string, message: string): void {
    const group = groupOf(unit);
    this.sink.emit({ kind, unit, machineId: this.machineId, group, message });
  }
}
