// Registry records to API JSON: units (with current state and machine), unit states, machines.
import type { Assignment, Machine, Unit, UnitState } from '@fleet/registry';
import { compareStrings, fleetRequirements } from '@fleet/unit';
import { currentStateOf } from './current-state.js';
import type { WireMachine, WireUnit, WireUnitState } from '@fleet/client';

/** Groups records by unit name, keeping their (sorted) order. */
export function byUnit<T>(records: readonly T[], unitOf: (r: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of records) {
    const name = unitOf(r);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [r]);
    else group.push(r);
  }
  return groups;
}

/** Whether `unit` is global (`[X-Fleet] Global=true`): it runs on many machines. */
export function isGlobalUnit(unit: Unit): boolean {
  return fleetRequirements(unit.name, unit.options).global;
}

/**
 * A unit as the API shows it.
 * @param assignments - this unit's assignments (any order; the first by machine ID is used)
 * @param states - this unit's published states, on any machine
 */
export function toWireUnit(
  unit: Unit,
  assignments: readonly Assignment[],
  states: readonly UnitState[],
): WireUnit {
  const base: WireUnit = {
    name: unit.name,
    options: unit.options.map((o) => ({ section: o.section, name: o.name, value: o.value })),
    desiredState: unit.desiredState,
    ...(unit.reason === undefined || unit.reason === '' ? {} : { reason: unit.reason }),
  };
  // Global units run on many machines: like fleet, no single current state or machine.
  if (isGlobalUnit(unit)) return base;
  const assignment = [...assignments].sort((a, b) => compareStrings(a.machineId, b.machineId))[0];
  const published =
    assignment === undefined ? undefined : states.find((s) => s.machineId === assignment.machineId);
  const currentState = currentStateOf(unit.hash, assignment, published);
  return {
    ...base,
    currentState,
    ...(assignment === undefined ? {} : { machineID: assignment.machineId }),
  };
}

/** A published unit state as the API shows it. */
export function toWireUnitState(s: UnitState): WireUnitState {
  return {
    name: s.unit,
    hash: s.hash,
    machineID: s.machineId,
    ...(s.loadState === '' ? {} : { systemdLoadState: s.loadState }),
    ...(s.activeState === '' ? {} : { systemdActiveState: s.activeState }),
    ...(s.subState === '' ? {} : { systemdSubState: s.subState }),
    ...(s.state === undefined ? {} : { state: s.state }),
    ...(s.health === undefined ? {} : { health: s.health }),
  };
}

/** A machine as the API shows it (metadata merged with dynamic metadata by the registry). */
export function toWireMachine(m: Machine): WireMachine {
  return {
    id: m.id,
    ...(m.publicIP === '' ? {} : { primaryIP: m.publicIP }),
    ...(Object.keys(m.metadata).length === 0 ? {} : { metadata: { ...m.metadata } }),
    ...(Object.keys(m.health).length === 0 ? {} : { health: m.health }),
    ...(m.version === '' ? {} : { version: m.version }),
  };
}
