// Builders for rollout steps in tests: a group of copies, their assignments and published states,
// as plain data.
import type { DesiredState } from '@fleet/unit';
import type {
  RolloutAssignment,
  RolloutInput,
  RolloutPolicy,
  RolloutRecord,
  RolloutUnit,
  RolloutUnitState,
} from '../rollout-types.js';

export const OLD = 'a'.repeat(40);
export const NEW = 'b'.repeat(40);
export const NEWER = 'c'.repeat(40);
/** 2026-12-04T12:00:00Z. */
export const T0 = Date.UTC(2026, 11, 4, 12);

export const policy = (p: Partial<RolloutPolicy> = {}): RolloutPolicy => ({
  maxParallel: 1,
  minHealthySec: 10,
  healthyDeadlineSec: 300,
  autoRevert: true,
  ...p,
});

/** A rollout group's world: units, where their copies run, and what their agents published. */
export class Group {
  units: RolloutUnit[] = [];
  assignments: RolloutAssignment[] = [];
  states: RolloutUnitState[] = [];

  constructor(readonly name: string) {}

  /** Instances `web@1.service`... of template `web@.service`, one per machine `m1`.... */
  static template(
    n: number,
    p: Partial<RolloutPolicy> = {},
    opts: { desiredState?: DesiredState; healthCheck?: boolean } = {},
  ): Group {
    const g = new Group('web@.service');
    for (let i = 1; i <= n; i++) {
      const name = `web@${i}.service`;
      g.units.push({
        name,
        hash: NEW,
        desiredState: opts.desiredState ?? 'launched',
        policy: policy(p),
        ...(opts.healthCheck === undefined ? {} : { healthCheck: opts.healthCheck }),
      });
      g.assignments.push({ unit: name, machineId: `m${i}`, hash: OLD });
      g.states.push({ unit: name, machineId: `m${i}`, hash: OLD, activeState: 'active' });
    }
    return g;
  }

  /** A global unit `g.service` on machines `m1`...`mN`. */
  static global(n: number, p: Partial<RolloutPolicy> = {}): Group {
    const g = new Group('g.service');
    g.units.push({ name: 'g.service', hash: NEW, desiredState: 'launched', policy: policy(p) });
    for (let i = 1; i <= n; i++) {
      g.assignments.push({ unit: 'g.service', machineId: `m${i}`, hash: OLD });
      g.states.push({ unit: 'g.service', machineId: `m${i}`, hash: OLD, activeState: 'active' });
    }
    return g;
  }

  input(record: RolloutRecord | undefined, now: number, lastId = 0): RolloutInput {
    return {
      group: this.name,
      record,
      lastId,
      units: this.units,
      assignments: this.assignments,
      states: this.states,
      now,
    };
  }

  /** The engine gave the copy `hash` (and its agent has not acted yet). */
  assign(unit: string, machineId: string, hash: string): void {
    this.assignments = this.assignments.map((a) =>
      a.unit === unit && a.machineId === machineId ? { ...a, hash } : a,
    );
  }

  /** The copy's agent published this (`health: undefined` removes a published result). */
  publish(
    unit: string,
    machineId: string,
    s: Partial<Omit<RolloutUnitState, 'health'>> & {
      health?: RolloutUnitState['health'] | undefined;
    },
  ): void {
    const rest = this.states.filter((x) => !(x.unit === unit && x.machineId === machineId));
    const old = this.states.find((x) => x.unit === unit && x.machineId === machineId);
    const { health, ...next } = { hash: OLD, activeState: 'active', ...old, ...s, unit, machineId };
    this.states = [...rest, health === undefined ? next : { ...next, health }];
  }

  /** The copy runs `hash`, active (with `health` if given). */
  run(unit: string, machineId: string, hash: string, health?: 'passing' | 'failing'): void {
    this.assign(unit, machineId, hash);
    const rest = this.states.filter((x) => !(x.unit === unit && x.machineId === machineId));
    const s: RolloutUnitState = { unit, machineId, hash, activeState: 'active' };
    this.states = [...rest, health === undefined ? s : { ...s, health: { status: health } }];
  }

  setUnitHash(hash: string): void {
    this.units = this.units.map((u) => ({ ...u, hash }));
  }
}
