import { compareStrings, fleetRequirements, type DesiredState, type UnitOption } from '@fleet/unit';
import type {
  Plan,
  Snapshot,
  SnapshotAssignment,
  SnapshotMachine,
  SnapshotUnit,
} from '../types.js';

/**
 * Test helpers: build scheduler inputs from `[X-Fleet]` lines the way a unit file would carry them,
 * and apply a plan to a snapshot the way the engine would commit it.
 */
export function unit(
  name: string,
  xfleet: readonly string[] = [],
  desiredState: DesiredState = 'launched',
  hash = 'h-' + name,
): SnapshotUnit {
  const options: UnitOption[] = [
    { section: 'Service', name: 'ExecStart', value: '/bin/true' },
    ...xfleetOptions(xfleet),
  ];
  return { name, hash, desiredState, requirements: fleetRequirements(name, options) };
}

/** `[X-Fleet]` lines such as `Global=true` or `MachineMetadata=region=eu` as unit options. */
export function xfleetOptions(lines: readonly string[]): UnitOption[] {
  return lines.map((line) => {
    const i = line.indexOf('=');
    return { section: 'X-Fleet', name: line.slice(0, i), value: line.slice(i + 1) };
  });
}

export function machine(id: string, metadata: Record<string, string> = {}): SnapshotMachine {
  return { id, metadata };
}

/** The assignments after the engine commits `plan` on top of `snapshot`. */
export function apply(snapshot: Snapshot, plan: Plan): SnapshotAssignment[] {
  const key = (u: string, m: string) => `${u}\u0000${m}`;
  const out = new Map<string, SnapshotAssignment>();
  for (const a of snapshot.assignments) out.set(key(a.unit, a.machineId), a);
  for (const t of plan.tasks) {
    const k = key(t.unit, t.machineId);
    if (t.kind === 'unschedule') out.delete(k);
    else
      out.set(k, {
        unit: t.unit,
        machineId: t.machineId,
        hash: t.hash,
        desiredState: t.desiredState,
      });
  }
  return [...out.values()];
}

/** unit -> sorted machine IDs, for compact assertions. */
export function placement(assignments: readonly SnapshotAssignment[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of [...assignments].sort((x, y) => compareStrings(x.machineId, y.machineId))) {
    (out[a.unit] ??= []).push(a.machineId);
  }
  return out;
}

/** What a property test drew for one unit's [X-Fleet] section, before fleet's rules trim it. */
export interface DrawnXFleet {
  readonly global: boolean;
  readonly conflicts: readonly string[];
  readonly machineOf: string | undefined;
  readonly machineId: string | undefined;
  readonly region: string | undefined;
  readonly replaces: string | undefined;
}

/**
 * The [X-Fleet] lines of `name` from a draw, keeping only combinations fleet accepts: Global never
 * with MachineID/MachineOf/Replaces, Replaces not with Conflicts, MachineOf never itself.
 */
export function drawnXFleet(name: string, r: DrawnXFleet): string[] {
  const x: string[] = [];
  if (r.global) x.push('Global=true');
  else if (r.machineId !== undefined) x.push(`MachineID=${r.machineId}`);
  else if (r.machineOf !== undefined && r.machineOf !== name) x.push(`MachineOf=${r.machineOf}`);
  else if (r.replaces !== undefined && r.conflicts.length === 0) x.push(`Replaces=${r.replaces}`);
  if (r.machineId === undefined || r.global) for (const c of r.conflicts) x.push(`Conflicts=${c}`);
  if (r.region !== undefined) x.push(`MachineMetadata=region=${r.region}`);
  return x;
}
