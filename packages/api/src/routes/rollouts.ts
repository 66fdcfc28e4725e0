// `/fleet/x/rollouts...` (docs/deploys.md): rollout records, and an operator's pause, resume and
// undo. `{group}` is a rollout group (`web@.service`) or any unit of it (`web@3.service`).
import {
  RolloutNotFoundError,
  RolloutStateError,
  type Rollout,
  type RolloutRecords,
} from '@fleet/registry';
import { groupOf } from '@fleet/unit';
import { HttpError } from '../errors.js';
import { jsonReply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { decodeSegment, resource, type XResolver } from '../router.js';
import { checkStoredUnitName } from '../validation.js';
import { undoRollout } from './rollout-undo.js';

/** Handlers of the rollout resources. */
export interface RolloutRoutes {
  readonly list: RouteHandler;
  readonly get: RouteHandler;
  readonly pause: RouteHandler;
  readonly resume: RouteHandler;
  readonly undo: RouteHandler;
}

/** A record on the wire: the registry's record, fields in the documented order. */
export function toWireRollout(r: Rollout): Rollout {
  return {
    group: r.group,
    id: r.id,
    state: r.state,
    fromHash: r.fromHash,
    toHash: r.toHash,
    units: r.units,
    policy: r.policy,
    copies: r.copies,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
    ...(r.finishedAt === undefined ? {} : { finishedAt: r.finishedAt }),
    revision: r.revision,
  };
}

/** The group a path's `{group}` names. @throws HttpError 400 for a name no unit can have */
export function groupParam(name: string): string {
  checkStoredUnitName(name);
  return groupOf(name);
}

/** A registry refusal of a pause or resume as the API's answer. */
function stateError(err: unknown): unknown {
  if (err instanceof RolloutNotFoundError || err instanceof RolloutStateError) {
    return new HttpError(409, err.message, { cause: err });
  }
  return err;
}

/** Builds the rollout handlers over `deps`. */
export function rolloutRoutes(deps: RouteDeps): RolloutRoutes {
  const { reads, registry } = deps;
  const setState = (state: 'paused' | 'running'): RouteHandler => {
    return async ({ name }) => {
      const group = groupParam(name);
      try {
        return jsonReply(200, toWireRollout(await registry.setRolloutState(group, state)));
      } catch (err) {
        throw stateError(err);
      }
    };
  };
  return {
    /** `GET /fleet/x/rollouts`: the current record of each group. */
    async list() {
      const { items } = await reads.listRollouts();
      return jsonReply(200, { rollouts: items.map(toWireRollout) });
    },
    /** `GET /fleet/x/rollouts/{group}`: current (or null) and history, newest first; 404 if never. */
    async get({ name }) {
      const group = groupParam(name);
      const { current, history }: RolloutRecords = await reads.getRollout(group);
      if (current === undefined && history.length === 0) {
        throw new HttpError(404, `${group} has never been rolled out`);
      }
      return jsonReply(200, {
        current: current === undefined ? null : toWireRollout(current),
        history: history.map(toWireRollout),
      });
    },
    pause: setState('paused'),
    resume: setState('running'),
    /** `POST /fleet/x/rollouts/{group}/undo`: back to the version before the current one. */
    async undo({ name }) {
      return jsonReply(200, await undoRollout(deps, groupParam(name)));
    },
  };
}

/** The rollout resources under /fleet/x/rollouts: the list, a group, and a group's actions. */
export function rolloutsResolver(routes: RolloutRoutes): XResolver {
  return (rest, base) => {
    if (rest.length === 0) return resource(base, { GET: routes.list });
    const [item = '', action, ...extra] = rest;
    if (item === '' || extra.length > 0) return undefined;
    const name = decodeSegment(item);
    if (action === undefined) return resource(`${base}/:group`, { GET: routes.get }, { name });
    const handler =
      action === 'pause'
        ? routes.pause
        : action === 'resume'
          ? routes.resume
          : action === 'undo'
            ? routes.undo
            : undefined;
    if (handler === undefined) return undefined;
    return resource(`${base}/:group/${action}`, { POST: handler }, { name });
  };
}
