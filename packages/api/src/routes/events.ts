// `GET /fleet/x/events`: the cluster event log (docs/deploys.md "Events"), a page of it as JSON
// (`?after=ID&limit=N`) or, with `?follow=true`, every event after `after` and then each new one
// as a server-sent event stream.
import { HttpError } from '../errors.js';
import { jsonReply, type Reply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';
import { resource, type XResolver } from '../router.js';
import { startEventStream, type EventStreamOptions } from './events-stream.js';

/** The largest page one request may ask for (the log holds 5,000 events by default). */
export const MAX_EVENTS_LIMIT = 10_000;

const QUERY_KEYS = new Set(['after', 'limit', 'follow']);

/** The query of an events request, checked. */
export interface EventsQuery {
  readonly after?: string;
  readonly limit?: number;
  readonly follow: boolean;
}

/** @throws HttpError 400 naming the first bad parameter */
export function parseEventsQuery(query: URLSearchParams): EventsQuery {
  for (const key of query.keys()) {
    if (!QUERY_KEYS.has(key)) {
      throw new HttpError(
        400,
        `unknown query parameter ${JSON.stringify(key)} (expected after, limit, follow)`,
      );
    }
  }
  const one = (key: string): string | undefined => {
    const all = query.getAll(key);
    if (all.length > 1) throw new HttpError(400, `query parameter ${key} given more than once`);
    return all[0];
  };
  const after = one('after');
  if (after !== undefined && !/^[0-9]{1,19}$/.test(after)) {
    throw new HttpError(
      400,
      `invalid after ${JSON.stringify(after)}: expected an event id (digits)`,
    );
  }
  const limitText = one('limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    limit = /^[0-9]{1,6}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_EVENTS_LIMIT)) {
      throw new HttpError(
        400,
        `invalid limit ${JSON.stringify(limitText)}: expected 1 to ${MAX_EVENTS_LIMIT}`,
      );
    }
  }
  const followText = one('follow');
  if (followText !== undefined && followText !== 'true' && followText !== 'false') {
    throw new HttpError(
      400,
      `invalid follow ${JSON.stringify(followText)}: expected true or false`,
    );
  }
  const follow = followText === 'true';
  if (follow && limit !== undefined)
    throw new HttpError(400, 'limit cannot be used with follow=true');
  return {
    follow,
    ...(after === undefined ? {} : { after }),
    ...(limit === undefined ? {} : { limit }),
  };
}

/** Handlers of the events resource. */
export interface EventRoutes {
  readonly list: RouteHandler;
}

/** Builds the events handler over `deps`. */
export function eventRoutes(deps: RouteDeps, opts: EventStreamOptions = {}): EventRoutes {
  return {
    async list({ req, query }): Promise<Reply> {
      const q = parseEventsQuery(query);
      const listing = await deps.reads.listEvents({
        ...(q.after === undefined ? {} : { after: q.after }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      });
      if (!q.follow) return jsonReply(200, { events: listing.items, revision: listing.revision });
      return {
        kind: 'stream',
        status: 200,
        contentType: 'text/event-stream',
        start: (res) => startEventStream(deps, req, res, listing, { ...opts, log: deps.logger }),
      };
    },
  };
}

/** `/fleet/x/events` (GET, read role), for the router's table. */
export function eventsResolver(deps: RouteDeps, opts: EventStreamOptions = {}): XResolver {
  const { list } = eventRoutes(deps, opts);
  return (rest, label) => (rest.length === 0 ? resource(label, { GET: list }) : undefined);
}
