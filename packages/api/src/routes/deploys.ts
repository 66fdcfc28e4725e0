// `POST /fleet/x/plan` and `POST /fleet/x/apply` (docs/deploys.md): the difference between the
// given units and the cluster's, computed at the unit epoch, and the apply that writes it in one
// registry call guarded by that epoch (or the caller's checkRevision).
import { ConflictError, StaleRevisionError } from '@fleet/registry';
import { HttpError } from '../errors.js';
import { readJson, requireContentType } from '../http/body.js';
import { jsonReply, type Reply } from '../http/reply.js';
import { computePlan, parsePlanRequest, planOf, type Computed } from '../plan.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { resource, type XResolver } from '../router.js';

/** The plan and apply routes. */
export interface DeployRoutes {
  readonly plan: RouteHandler;
  readonly apply: RouteHandler;
}

/** Times an apply without checkRevision re-plans after a concurrent change before giving up. */
const APPLY_ATTEMPTS = 5;

/** The 409 of a stale checkRevision: both revisions, and what to do. */
export function staleMessage(checkRevision: string, current: string): string {
  return (
    `the cluster's units changed since revision ${checkRevision} (last change at revision ` +
    `${current}): plan again`
  );
}

/** Builds the routes. */
export function deployRoutes(deps: RouteDeps): DeployRoutes {
  const { registry, listings } = deps;

  /** The unit epoch, then the units: a listing at least as new as the epoch it is planned at. */
  async function planned(
    req: ReturnType<typeof parsePlanRequest>,
  ): Promise<{ epoch: string } & Computed> {
    const epoch = await registry.unitEpoch();
    const listing = await registry.listUnits();
    return { epoch, ...computePlan(req, listing.items) };
  }

  return {
    async plan({ req }): Promise<Reply> {
      requireContentType(req);
      const body = parsePlanRequest(await readJson(req, deps.bodyLimitBytes));
      const { epoch, changes } = await planned(body);
      return jsonReply(200, planOf(epoch, changes));
    },

    async apply({ req }): Promise<Reply> {
      requireContentType(req);
      const body = parsePlanRequest(await readJson(req, deps.bodyLimitBytes));
      const check = body.checkRevision;
      for (let attempt = 1; ; attempt++) {
        const { epoch, changes, write } = await planned(body);
        if (check !== undefined && BigInt(epoch) > BigInt(check)) {
          throw new HttpError(409, staleMessage(check, epoch));
        }
        try {
          // Guarded by the epoch planned at (no later than checkRevision): exactly this plan.
          const res = await listings.afterWrite(() =>
            registry.applyUnits({ ...write, checkRevision: epoch }),
          );
          return jsonReply(200, planOf(res.revision, changes));
        } catch (err) {
          // Batches cut short by a concurrent change: say how many were written.
          if (err instanceof ConflictError) throw new HttpError(409, err.message, { cause: err });
          if (!(err instanceof StaleRevisionError)) throw err;
          if (check !== undefined && BigInt(err.currentRevision) > BigInt(check)) {
            throw new HttpError(409, staleMessage(check, err.currentRevision), { cause: err });
          }
          if (attempt >= APPLY_ATTEMPTS) {
            throw new HttpError(409, 'the units kept changing while applying; try again', {
              cause: err,
            });
          }
        }
      }
    },
  };
}

/** `/fleet/x/plan` and `/fleet/x/apply`. */
export function deployResolvers(routes: DeployRoutes): Readonly<Record<string, XResolver>> {
  return {
    plan: (rest, label) => (rest.length === 0 ? resource(label, { POST: routes.plan }) : undefined),
    apply: (rest, label) =>
      rest.length === 0 ? resource(label, { POST: routes.apply }) : undefined,
  };
}
