// The units the simulated clients write: plain, global, Conflicts, Replaces and MachineOf units
// over a small pool of names, so that writes collide and relations bite.
import type { UnitInput } from '@fleet/registry';
import type { UnitSpec } from '@fleet/testkit';
import type { Prng } from './prng.js';

export type UnitOptions = UnitInput['options'];
export type Kind = 'plain' | 'global' | 'conflicts' | 'replaces' | 'machine-of';

export const UNIT_POOL: readonly string[] = Array.from({ length: 10 }, (_, i) => `u${i}.service`);

/** A unit to create: its options and its relations as the invariants read them. */
export interface WorkloadUnit {
  readonly spec: UnitSpec;
  readonly kind: Kind;
  readonly options: UnitOptions;
}

const KINDS: readonly Kind[] = [
  'plain',
  'plain',
  'plain',
  'plain',
  'global',
  'conflicts',
  'replaces',
  'machine-of',
];

export function drawUnit(prng: Prng, name: string): WorkloadUnit {
  const kind = prng.pick(KINDS);
  const others = UNIT_POOL.filter((n) => n !== name);
  const other = prng.pick(others);
  const options: { section: string; name: string; value: string }[] = [
    { section: 'Service', name: 'ExecStart', value: `/bin/sleep 100000 # ${name}` },
  ];
  const fleet = (n: string, v: string) => options.push({ section: 'X-Fleet', name: n, value: v });
  let spec: UnitSpec = { name, global: false, conflicts: [], replaces: [] };
  switch (kind) {
    case 'global':
      fleet('Global', 'true');
      spec = { ...spec, global: true };
      break;
    case 'conflicts':
      fleet('Conflicts', other);
      spec = { ...spec, conflicts: [other] };
      break;
    case 'replaces':
      fleet('Replaces', other);
      spec = { ...spec, replaces: [other] };
      break;
    case 'machine-of':
      fleet('MachineOf', other);
      spec = { ...spec, machineOf: other };
      break;
    case 'plain':
      break;
  }
  return { spec, kind, options };
}

/** Whether the engine can always place the unit on a live machine (no relations to honour). */
export function alwaysPlaceable(spec: UnitSpec | undefined): boolean {
  return (
    spec !== undefined &&
    !spec.global &&
    spec.conflicts.length === 0 &&
    spec.replaces.length === 0 &&
    spec.machineOf === undefined
  );
}
