// What the client accepts of the /fleet/x/rollouts answers (see schemas.ts for the approach).
import type {
  WireCopyPhase,
  WireRollout,
  WireRolloutCopy,
  WireRolloutRecords,
  WireRolloutState,
  WireRolloutUndo,
} from './rollout-wire.js';
import {
  at,
  expected,
  list,
  object,
  optional,
  schema,
  string,
  type Check,
  type Schema,
} from './schemas.js';

const STATES: readonly string[] = [
  'running',
  'paused',
  'succeeded',
  'failed',
  'rolling-back',
  'rolled-back',
];
const PHASES: readonly string[] = ['pending', 'replacing', 'done', 'failed', 'reverted'];

const oneOf =
  <T extends string>(values: readonly string[]): Check<T> =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? (v as T) : expected(values.join(', '), v, p);

const number: Check<number> = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? v : expected('a number', v, p);

const boolean: Check<boolean> = (v, p) =>
  typeof v === 'boolean' ? v : expected('a boolean', v, p);

/** `{ key: value }` when the optional string is present, else nothing. */
function opt<K extends string>(
  o: Record<string, unknown>,
  key: K,
  p: string,
): { [k in K]?: string } {
  const value = optional(string)(o[key], at(p, key));
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: string };
}

const copy: Check<WireRolloutCopy> = (v, p) => {
  const c = object(v, p);
  return {
    unit: string(c.unit, at(p, 'unit')),
    machineId: string(c.machineId, at(p, 'machineId')),
    phase: oneOf<WireCopyPhase>(PHASES)(c.phase, at(p, 'phase')),
    ...opt(c, 'replacedAt', p),
    ...opt(c, 'healthySince', p),
  };
};

const rollout: Check<WireRollout> = (v, p) => {
  const r = object(v, p);
  const pol = object(r.policy, at(p, 'policy'));
  const pp = at(p, 'policy');
  return {
    group: string(r.group, at(p, 'group')),
    id: number(r.id, at(p, 'id')),
    state: oneOf<WireRolloutState>(STATES)(r.state, at(p, 'state')),
    fromHash: string(r.fromHash, at(p, 'fromHash')),
    toHash: string(r.toHash, at(p, 'toHash')),
    units: list(string)(r.units, at(p, 'units')),
    policy: {
      maxParallel: number(pol.maxParallel, at(pp, 'maxParallel')),
      minHealthySec: number(pol.minHealthySec, at(pp, 'minHealthySec')),
      healthyDeadlineSec: number(pol.healthyDeadlineSec, at(pp, 'healthyDeadlineSec')),
      autoRevert: boolean(pol.autoRevert, at(pp, 'autoRevert')),
    },
    copies: list(copy)(r.copies, at(p, 'copies')),
    ...opt(r, 'reason', p),
    startedAt: string(r.startedAt, at(p, 'startedAt')),
    updatedAt: string(r.updatedAt, at(p, 'updatedAt')),
    ...opt(r, 'finishedAt', p),
    revision: string(r.revision, at(p, 'revision')),
  };
};

/** One rollout record. */
export const rolloutSchema: Schema<WireRollout> = schema(rollout);

/** `{"rollouts": [...]}`. */
export const rolloutListSchema: Schema<{ rollouts: WireRollout[] }> = schema((v, p) => ({
  rollouts: list(rollout)(object(v, p).rollouts, at(p, 'rollouts')),
}));

/** `{"current": record | null, "history": [...]}`. */
export const rolloutRecordsSchema: Schema<WireRolloutRecords> = schema((v, p) => {
  const o = object(v, p);
  return {
    current: o.current === null ? null : rollout(o.current, at(p, 'current')),
    history: list(rollout)(o.history, at(p, 'history')),
  };
});

/** The answer of an undo. */
export const rolloutUndoSchema: Schema<WireRolloutUndo> = schema((v, p) => {
  const o = object(v, p);
  return {
    group: string(o.group, at(p, 'group')),
    fromHash: string(o.fromHash, at(p, 'fromHash')),
    toHash: string(o.toHash, at(p, 'toHash')),
    units: list(string)(o.units, at(p, 'units')),
  };
});
