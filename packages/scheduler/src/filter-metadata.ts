import type { ClusterState } from './cluster.js';
import type { Filter, Rejection } from './filters.js';
import type { SnapshotUnit } from './types.js';

/**
 * `MachineMetadata=`: values of one key are OR-ed, keys are AND-ed. A rejection names every key the
 * machine misses. Machines missing the same keys share one rejection, built once per unit: a unit
 * no machine can take is checked against every machine on every pass.
 */
export const metadataFilter: Filter = (
  unit: SnapshotUnit,
  machineId: string,
  state: ClusterState,
) => {
  const wanted = unit.requirements.machineMetadata;
  const md = state.slots.get(machineId)?.machine.metadata ?? NONE;
  let missing = 0;
  let bit = 1;
  for (const key in wanted) {
    if (!satisfies(md, key, wanted[key])) missing += bit;
    bit *= 2;
  }
  if (missing === 0) return undefined;
  // Past 52 keys the sum is no longer exact: build the rejection without sharing it.
  if (bit > 2 ** 52) return missingMetadata(md, wanted);
  let known = built.get(wanted);
  if (known === undefined) built.set(wanted, (known = new Map()));
  let r = known.get(missing);
  if (r === undefined) known.set(missing, (r = missingMetadata(md, wanted)));
  return r;
};

const NONE: Readonly<Record<string, string>> = {};

/** Per requirement object, the rejection for each set of missing keys (a bit per key). */
const built = new WeakMap<object, Map<number, Rejection>>();

function satisfies(
  md: Readonly<Record<string, string>>,
  key: string,
  values: readonly string[] | undefined,
): boolean {
  const have = md[key];
  return have !== undefined && values !== undefined && values.includes(have);
}

function missingMetadata(
  md: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, readonly string[]>>,
): Rejection {
  const missing = Object.entries(wanted)
    .filter(([key, values]) => !satisfies(md, key, values))
    .map(([key, values]) => `${key}=${values.join('|')}`);
  const want = missing.join(' and ');
  return {
    one: `lacks metadata ${want}`,
    many: `lack metadata ${want}`,
    none: `no machine has metadata ${missing.join(' or ')}`,
  };
}
