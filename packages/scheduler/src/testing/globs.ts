// Test and bench helpers: a cluster, and the costliest unit the API accepts for it.
import {
  fleetRequirements,
  MAX_GLOB_LENGTH,
  maxRequirementEntries,
  validateUnitOptions,
  type UnitOption,
} from '@fleet/unit';
import { machine, unit } from './builders.js';
import type { Snapshot, SnapshotUnit } from '../types.js';

/** `units` units on `machines` machines: mostly plain, some with metadata, conflicts or peers. */
export function cluster(units: number, machines: number): Snapshot {
  const ms = Array.from({ length: machines }, (_, i) =>
    machine(i.toString(16).padStart(32, '0'), { region: i % 2 === 0 ? 'eu' : 'us' }),
  );
  const us: SnapshotUnit[] = [];
  for (let i = 0; i < units; i++) {
    if (i % 10 === 0) us.push(unit(`app-${i}.service`, ['MachineMetadata=region=eu']));
    else if (i % 10 === 1) us.push(unit(`web@${i}.service`, ['Conflicts=web@*.service']));
    else if (i % 10 === 2 && i > 2) {
      us.push(unit(`side-${i}.service`, [`MachineOf=app-${i - 2}.service`]));
    } else us.push(unit(`app-${i}.service`));
  }
  return { units: us, machines: ms, assignments: [] };
}

/**
 * The most expensive unit for the scheduler that validation accepts: the most `Conflicts=` (or
 * `Replaces=`) globs,
 * each as long as allowed, each passing every quick check against every name in the cluster
 * (no literal prefix, the common suffix `.service`, short enough) and matching none, so every
 * (glob, name) pair is matched in full. Each class lists as many separate characters as fit (no
 * two adjacent, so they stay separate ranges), different per glob so no work is shared.
 */
export function worstUnit(
  name = 'worst.service',
  key: 'Conflicts' | 'Replaces' = 'Conflicts',
): SnapshotUnit {
  const globs = Array.from({ length: maxRequirementEntries(key) }, (_, i) => {
    const head = '*[';
    const tail = ']*.service';
    const room = MAX_GLOB_LENGTH - head.length - tail.length;
    const chars = Array.from({ length: room }, (_, k) =>
      String.fromCodePoint(0x4e00 + i * 2 * room + 2 * k),
    );
    return head + chars.join('') + tail;
  });
  const options: UnitOption[] = [
    { section: 'Service', name: 'ExecStart', value: '/bin/true' },
    ...globs.map((g) => ({ section: 'X-Fleet', name: key, value: g })),
  ];
  validateUnitOptions(name, options); // accepted at the API
  return {
    name,
    hash: `h-${name}`,
    desiredState: 'launched',
    requirements: fleetRequirements(name, options),
  };
}
