// One step of a group's rolling update (docs/deploys.md, "Rollout groups"): from the group's
// record, units, assignments and published states to the next record, the copies released or put
// back now, and the events to log. Pure and deterministic: no clock (`now` is input), no I/O.
import { compareStrings } from '@fleet/unit';
import { failureOf, healthyOld, healthyOn, RolloutReason, timeOf } from './rollout-health.js';
import {
  byCopy,
  changedUnder,
  keyOf,
  newCopy,
  short,
  start,
  supersede,
  type Step,
} from './rollout-start.js';
import {
  isOpen,
  type RolloutAssignment,
  type RolloutCopy,
  type RolloutInput,
  type RolloutRecord,
  type RolloutStep,
} from './rollout-types.js';

/**
 * Decides one step of `input.group`'s rollout. A rollout starts when a copy carries contents other
 * than its unit's and none is open; it releases copies in waves of at most `maxParallel` replaced
 * and not done (fewer while other copies are unhealthy), marks a copy done once it was healthy for
 * `minHealthySec` without a lapse, fails on a failed unit, a failing check or the deadline, and
 * then rolls back (with `autoRevert`) or stays failed. Paused: nothing new is released.
 */
export function stepRollout(input: RolloutInput): RolloutStep {
  const units = new Map(input.units.map((u) => [u.name, u]));
  const assigned = new Map<string, RolloutAssignment>();
  for (const a of input.assignments) if (units.has(a.unit)) assigned.set(keyOf(a), a);
  const states = new Map(input.states.map((s) => [keyOf(s), s]));
  const s: Step = {
    input,
    iso: new Date(input.now).toISOString(),
    units,
    assigned,
    states,
    events: [],
    release: [],
    revert: [],
  };
  const before = isOpen(input.record) ? input.record : undefined;
  let record = before;
  let superseded: RolloutRecord | undefined;
  const changedTo = record === undefined ? undefined : changedUnder(record, units);
  if (record !== undefined && changedTo !== undefined) {
    superseded = supersede(s, record, changedTo);
    record = undefined;
  }
  const lastId = Math.max(input.lastId ?? 0, input.record?.id ?? 0);
  record ??= start(s, lastId, superseded);
  let revertUnits: string[] = [];
  if (record !== undefined) {
    record = advance(s, record);
    if (record.state === 'rolling-back') {
      revertUnits = record.units.filter((n) => units.get(n)?.hash === record?.toHash);
      record = finishRollback(s, record, revertUnits.length);
    }
  }
  const changed = record !== undefined && (before === undefined || !sameRecord(before, record));
  if (record !== undefined && changed) record = { ...record, updatedAt: s.iso };
  return {
    record,
    write: changed,
    finished: record !== undefined && !isOpen(record),
    ...(superseded === undefined ? {} : { superseded }),
    release: s.release,
    revert: s.revert,
    revertUnits,
    events: s.events,
  };
}

/**
 * Units of the group given the rollout's new contents after it started (units are written one
 * by one unless applied together) join it: their copies are rolled in the same waves, and a
 * rollback writes them back too.
 */
function join(s: Step, record: RolloutRecord): RolloutRecord {
  const names = new Set(record.units);
  for (const a of s.assigned.values())
    if (s.units.get(a.unit)?.hash === record.toHash) names.add(a.unit);
  if (names.size === record.units.length) return record;
  return { ...record, units: [...names].sort(compareStrings) };
}

/** Brings the record's copies up to the assignments: copies gone are dropped, new ones added. */
function syncCopies(s: Step, record: RolloutRecord): RolloutCopy[] {
  const members = new Set(record.units);
  const known = new Set<string>();
  const copies: RolloutCopy[] = [];
  for (const c of record.copies) {
    if (!s.assigned.has(keyOf(c))) continue;
    known.add(keyOf(c));
    copies.push(c);
  }
  for (const a of [...s.assigned.values()].sort(byCopy)) {
    if (!members.has(a.unit) || known.has(keyOf(a))) continue;
    const copy = newCopy(a, record.toHash, s.iso);
    const back = record.state === 'rolling-back' && copy.phase === 'replacing';
    copies.push(back ? { unit: a.unit, machineId: a.machineId, phase: 'reverted' } : copy);
  }
  return copies.sort(byCopy);
}

/** One step of an open record: judge the released copies, then fail, finish or release more. */
function advance(s: Step, record: RolloutRecord): RolloutRecord {
  if (record.state === 'failed') return record; // the operator decides (undo or a new apply)
  record = join(s, record);
  let copies = syncCopies(s, record);
  if (record.state === 'rolling-back') return { ...record, copies };
  const { policy, toHash } = record;
  let failure: string | undefined;
  copies = copies.map((c) => {
    if (c.phase !== 'replacing' && c.phase !== 'done') return c;
    const unit = s.units.get(c.unit);
    if (unit === undefined) return c;
    const state = s.states.get(keyOf(c));
    const why = failureOf(c, toHash, unit, state, policy.healthyDeadlineSec, s.input.now);
    if (why !== undefined) {
      failure ??= RolloutReason.onMachine(c.unit, c.machineId, why);
      return { unit: c.unit, machineId: c.machineId, phase: 'failed', ...times(c) };
    }
    if (c.phase === 'done') return c;
    if (!healthyOn(toHash, unit, state)) return withoutHealthy(c);
    const since = timeOf(c.healthySince, s.input.now);
    const healthySince = c.healthySince ?? s.iso;
    const done = s.input.now - since >= policy.minHealthySec * 1000;
    return { ...c, phase: done ? 'done' : 'replacing', healthySince };
  });
  if (failure !== undefined) return fail(s, { ...record, copies }, failure);
  if (copies.every((c) => c.phase === 'done')) {
    s.events.push({
      kind: 'rollout.succeeded',
      group: record.group,
      message: `rollout ${record.id} of ${record.group} succeeded: ${copies.length} copies on ${short(toHash)}`,
    });
    return { ...record, copies, state: 'succeeded', finishedAt: s.iso };
  }
  if (record.state !== 'running') return { ...record, copies };
  return { ...record, copies: releaseWave(s, record, copies) };
}

const times = (c: RolloutCopy): Pick<RolloutCopy, 'replacedAt' | 'healthySince'> => ({
  ...(c.replacedAt === undefined ? {} : { replacedAt: c.replacedAt }),
  ...(c.healthySince === undefined ? {} : { healthySince: c.healthySince }),
});

function withoutHealthy(c: RolloutCopy): RolloutCopy {
  const { unit, machineId, phase, replacedAt } = c;
  return replacedAt === undefined
    ? { unit, machineId, phase }
    : { unit, machineId, phase, replacedAt };
}

/**
 * Releases pending copies while fewer than `maxParallel` are released and not done, and (for a
 * healthy copy) while fewer than `maxParallel` copies are unavailable in all: a broken copy of the
 * old version is replaced first, since replacing it costs nothing.
 */
function releaseWave(s: Step, record: RolloutRecord, copies: RolloutCopy[]): RolloutCopy[] {
  const max = record.policy.maxParallel;
  let inFlight = copies.filter((c) => c.phase === 'replacing').length;
  const healthy = (c: RolloutCopy): boolean => {
    const unit = s.units.get(c.unit);
    const state = s.states.get(keyOf(c));
    if (unit === undefined) return false;
    return c.phase === 'pending' ? healthyOld(unit, state) : healthyOn(record.toHash, unit, state);
  };
  let unhealthy = copies.filter(
    (c) => (c.phase === 'pending' || c.phase === 'done') && !healthy(c),
  ).length;
  const pending = copies.filter((c) => c.phase === 'pending');
  const order = [...pending.filter((c) => !healthy(c)), ...pending.filter((c) => healthy(c))];
  const released = new Set<string>();
  for (const c of order) {
    if (inFlight + 1 > max) break;
    if (healthy(c)) {
      if (inFlight + unhealthy + 1 > max) break;
    } else unhealthy--;
    inFlight++;
    released.add(keyOf(c));
    s.release.push({ unit: c.unit, machineId: c.machineId });
  }
  if (released.size === 0) return copies;
  const out = copies.map((c): RolloutCopy =>
    released.has(keyOf(c))
      ? { unit: c.unit, machineId: c.machineId, phase: 'replacing', replacedAt: s.iso }
      : c,
  );
  const replaced = out.filter((c) => c.phase !== 'pending').length;
  s.events.push({
    kind: 'rollout.step',
    group: record.group,
    message:
      `rollout ${record.id} of ${record.group}: replacing ` +
      `${s.release.map((c) => `${c.unit} on ${c.machineId}`).join(', ')} ` +
      `(${replaced} of ${out.length} copies on ${short(record.toHash)})`,
  });
  return out;
}

/** A copy failed: the rollout stops; with `autoRevert` every replaced copy is put back at once. */
function fail(s: Step, record: RolloutRecord, reason: string): RolloutRecord {
  const { group, id } = record;
  s.events.push({
    kind: 'rollout.failed',
    group,
    message: `rollout ${id} of ${group} failed: ${reason}`,
  });
  if (!record.policy.autoRevert) return { ...record, state: 'failed', reason };
  const copies = record.copies.map((c): RolloutCopy => {
    if (c.phase === 'pending' || c.phase === 'reverted') return c;
    s.revert.push({ unit: c.unit, machineId: c.machineId });
    return { unit: c.unit, machineId: c.machineId, phase: 'reverted', ...times(c) };
  });
  return { ...record, copies, state: 'rolling-back', reason };
}

/**
 * A rollback ends once no unit is left on the new contents and every copy put back carries the
 * old ones again.
 */
function finishRollback(s: Step, record: RolloutRecord, unitsLeft: number): RolloutRecord {
  if (unitsLeft > 0) return record;
  for (const c of record.copies) {
    if (c.phase !== 'reverted') continue;
    if (s.assigned.get(keyOf(c))?.hash !== record.fromHash) return record;
  }
  s.events.push({
    kind: 'rollout.rolled-back',
    group: record.group,
    message: `rollout ${record.id} of ${record.group} rolled back to ${short(record.fromHash)}: ${record.reason ?? ''}`,
  });
  return { ...record, state: 'rolled-back', finishedAt: s.iso };
}

/** Whether two records say the same, apart from when they were written. */
function sameRecord(a: RolloutRecord, b: RolloutRecord): boolean {
  return (
    canonical({ ...a, updatedAt: '', revision: '' }) ===
    canonical({ ...b, updatedAt: '', revision: '' })
  );
}

/** JSON with object keys sorted: the same for records whose keys came in another order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  const entries = Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .sort(([x], [y]) => compareStrings(x, y));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
}
