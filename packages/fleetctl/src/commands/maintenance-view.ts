// What `fleetctl maintenance` prints, and how it reads a drain's progress from the unit list.
import type { WireMachine, WireMaintenance, WireUnit } from '@fleet/client';

/** Where a machine's drain is: the units still placed there, and those that cannot move. */
export interface DrainState {
  readonly drained: boolean;
  /** Units still placed on the machine. */
  readonly left: readonly string[];
  /** Those the scheduler says cannot move (`drain: ...` reasons), as `unit: reason`. */
  readonly stuck: readonly string[];
}

/**
 * A machine is drained once no unit is placed on it (global units have no single machine and
 * keep running: they stop when the machine goes down).
 */
export function drainState(units: readonly WireUnit[], machineId: string): DrainState {
  const left = units.filter((u) => u.machineID === machineId);
  const stuck = left
    .filter((u) => (u.reason ?? '').startsWith('drain:'))
    .map((u) => `${u.name}: ${u.reason ?? ''}`);
  return { drained: left.length === 0, left: left.map((u) => u.name), stuck };
}

/** `fleetctl maintenance status`: the limit, then one line per holder. */
export function renderStatus(m: WireMaintenance, machines: readonly WireMachine[]): string {
  const ip = new Map(machines.map((x) => [x.id, x.primaryIP]));
  const lines = [`LIMIT\t${m.limit}`, `HOLDERS\t${m.holders.length}`];
  if (m.holders.length > 0) lines.push('', 'MACHINE\t\t\t\t\tIP\t\tSINCE\t\t\t\tREASON');
  for (const h of m.holders) {
    const where = ip.get(h.machineId) ?? '(down)';
    lines.push(`${h.machineId}\t${where}\t${h.since}\t${h.reason ?? '-'}`);
  }
  return `${lines.join('\n')}\n`;
}
