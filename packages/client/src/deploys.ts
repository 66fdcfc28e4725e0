// The deploy API under /fleet/x (docs/deploys.md): plan and apply bodies and answers, and the
// part of a rollout record `fleetctl apply --wait` follows. Wire types and their checks.
import {
  at,
  desiredState,
  expected,
  list,
  object,
  schema,
  string,
  type Check,
  type Schema,
} from './schemas.js';
import type { WireDesiredState, WireUnitOption } from './wire.js';

/** The body of `POST /fleet/x/plan` and `POST /fleet/x/apply`. */
export interface PlanRequest {
  readonly units: readonly { readonly name: string; readonly options: readonly WireUnitOption[] }[];
  /** Destroy every unit of the cluster that is not given. */
  readonly prune?: boolean;
  /** apply only: refuse (409) if a unit changed after this revision (a plan's `revision`). */
  readonly checkRevision?: string;
}

/** What a plan does to one unit. */
export type PlanChange =
  | { readonly action: 'create'; readonly name: string; readonly desiredState: WireDesiredState }
  | {
      readonly action: 'replace';
      readonly name: string;
      readonly fromHash: string;
      readonly toHash: string;
      /** Unified diff of the unit text, cluster (`---`) to files (`+++`). */
      readonly diff: string;
      readonly desiredState: WireDesiredState;
    }
  | {
      readonly action: 'start';
      readonly name: string;
      readonly from: WireDesiredState;
      readonly desiredState: WireDesiredState;
    }
  | { readonly action: 'destroy'; readonly name: string }
  | { readonly action: 'unchanged'; readonly name: string };

/** The answer of plan and apply. */
export interface Plan {
  /** plan: the unit epoch it was computed at; apply: the unit epoch after it. */
  readonly revision: string;
  readonly changed: boolean;
  readonly changes: readonly PlanChange[];
}

const change: Check<PlanChange> = (v, p) => {
  const c = object(v, p);
  const name = string(c.name, at(p, 'name'));
  switch (c.action) {
    case 'create':
      return {
        action: 'create',
        name,
        desiredState: desiredState(c.desiredState, at(p, 'desiredState')),
      };
    case 'replace':
      return {
        action: 'replace',
        name,
        fromHash: string(c.fromHash, at(p, 'fromHash')),
        toHash: string(c.toHash, at(p, 'toHash')),
        diff: string(c.diff, at(p, 'diff')),
        desiredState: desiredState(c.desiredState, at(p, 'desiredState')),
      };
    case 'start':
      return {
        action: 'start',
        name,
        from: desiredState(c.from, at(p, 'from')),
        desiredState: desiredState(c.desiredState, at(p, 'desiredState')),
      };
    case 'destroy':
    case 'unchanged':
      return { action: c.action, name };
    default:
      return expected('create, replace, start, destroy or unchanged', c.action, at(p, 'action'));
  }
};

/** A plan. */
export const planSchema: Schema<Plan> = schema((v, p) => {
  const o = object(v, p);
  if (typeof o.changed !== 'boolean') expected('a boolean', o.changed, at(p, 'changed'));
  return {
    revision: string(o.revision, at(p, 'revision')),
    changed: o.changed,
    changes: list(change)(o.changes, at(p, 'changes')),
  };
});
