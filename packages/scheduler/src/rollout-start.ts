// How a group's rollout begins and how an open one is ended by a change under it (rollout.ts).
import { compareStrings } from '@fleet/unit';
import { RolloutReason } from './rollout-health.js';
import type {
  CopyRef,
  RolloutAssignment,
  RolloutCopy,
  RolloutLogEvent,
  RolloutInput,
  RolloutRecord,
  RolloutUnit,
  RolloutUnitState,
} from './rollout-types.js';

export const keyOf = (c: CopyRef): string => `${c.unit}\u0000${c.machineId}`;
export const byCopy = (a: CopyRef, b: CopyRef): number =>
  compareStrings(a.unit, b.unit) || compareStrings(a.machineId, b.machineId);
export const short = (hash: string): string => hash.slice(0, 7);

/** What one step works on. */
export interface Step {
  readonly input: RolloutInput;
  readonly iso: string;
  readonly units: ReadonlyMap<string, RolloutUnit>;
  readonly assigned: ReadonlyMap<string, RolloutAssignment>;
  readonly states: ReadonlyMap<string, RolloutUnitState>;
  readonly events: RolloutLogEvent[];
  readonly release: CopyRef[];
  readonly revert: CopyRef[];
}

/** The new hash of a unit of the record that changed under it (someone applied again), if any. */
export function changedUnder(
  record: RolloutRecord,
  units: ReadonlyMap<string, RolloutUnit>,
): string | undefined {
  for (const name of record.units) {
    const hash = units.get(name)?.hash;
    if (hash === undefined || hash === record.toHash) continue;
    if (record.state === 'rolling-back' && hash === record.fromHash) continue;
    return hash;
  }
  return undefined;
}

/** Ends a record whose group changed under it: a rollback ends rolled back, the rest failed. */
export function supersede(s: Step, record: RolloutRecord, hash: string): RolloutRecord {
  const reason = RolloutReason.superseded(hash);
  const state = record.state === 'rolling-back' ? 'rolled-back' : 'failed';
  const kind = state === 'failed' ? 'rollout.failed' : 'rollout.rolled-back';
  const message = `rollout ${record.id} of ${record.group} ended: ${reason}`;
  // A rollout that had failed already said so.
  if (record.state !== 'failed') s.events.push({ kind, group: record.group, message });
  const keep = record.state === 'failed' && record.reason !== undefined;
  return {
    ...record,
    state,
    reason: keep ? `${record.reason ?? ''}; ${reason}` : reason,
    updatedAt: s.iso,
    finishedAt: s.iso,
  };
}

/** A new record if a copy carries contents other than its unit's; `undefined` otherwise. */
export function start(
  s: Step,
  lastId: number,
  superseded: RolloutRecord | undefined,
): RolloutRecord | undefined {
  const outdated = [...s.assigned.values()]
    .filter((a) => a.hash !== s.units.get(a.unit)?.hash)
    .sort(byCopy);
  const first = outdated[0];
  const target = first === undefined ? undefined : s.units.get(first.unit);
  if (target === undefined) return undefined;
  const toHash = target.hash;
  const members = [...new Set([...s.assigned.values()].map((a) => a.unit))]
    .filter((n) => s.units.get(n)?.hash === toHash)
    .sort(compareStrings);
  const mine = new Set(members);
  const fromHash =
    superseded !== undefined && superseded.fromHash !== toHash
      ? superseded.fromHash
      : mostCommon(outdated.filter((a) => mine.has(a.unit)).map((a) => a.hash));
  const copies = [...s.assigned.values()]
    .filter((a) => mine.has(a.unit))
    .sort(byCopy)
    .map((a) => newCopy(a, toHash, s.iso));
  const policy = s.units.get(members[0] ?? '')?.policy ?? target.policy;
  const { group } = s.input;
  s.events.push({
    kind: 'rollout.started',
    group,
    message:
      `rollout ${lastId + 1} of ${group} from ${short(fromHash)} to ${short(toHash)}: ` +
      `${copies.length} copies, ${policy.maxParallel} at a time`,
  });
  return {
    group,
    id: lastId + 1,
    state: 'running',
    fromHash,
    toHash,
    units: members,
    policy,
    copies,
    startedAt: s.iso,
    updatedAt: s.iso,
  };
}

/** A copy the record did not have: on the new version already (placed with it), or pending. */
export function newCopy(a: RolloutAssignment, toHash: string, iso: string): RolloutCopy {
  const { unit, machineId } = a;
  return a.hash === toHash
    ? { unit, machineId, phase: 'replacing', replacedAt: iso }
    : { unit, machineId, phase: 'pending' };
}

/** The most frequent value, the first seen on a tie. */
function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] ?? '';
  for (const [v, n] of counts) if (n > (counts.get(best) ?? 0)) best = v;
  return best;
}
