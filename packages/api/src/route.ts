// What every route gets and returns. Routes are functions from a request context to a Reply.
import type { IncomingMessage } from 'node:http';
import type { UnitStore } from '@fleet/registry';
import type { Reply } from './http/reply.js';
import type { ListingCache } from './listing-cache.js';
import type { Logger } from '@fleet/runtime';

/** What routes depend on, fixed when the API is created. */
export interface RouteDeps {
  /** The API's role of the registry: it reads the cluster and writes units, never schedules. */
  readonly registry: UnitStore;
  /**
   * The same for GETs, which may be answered from an etcd member's own copy while etcd elects
   * its leader (a view of `registry`; `registry` itself if none was given).
   */
  readonly reads: UnitStore;
  /** Page size, and the only limit a page token may carry. */
  readonly tokenLimit: number;
  /** Largest request body accepted (413 above it). */
  readonly bodyLimitBytes: number;
  readonly version: string;
  readonly logger: Logger;
  /** Listings kept for the pages after the first (see listing-cache.ts). */
  readonly listings: ListingCache;
}

/** One request as routes see it. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly query: URLSearchParams;
  /** The decoded item name for item routes (`/units/<name>`); `''` for collections. */
  readonly name: string;
}

/** A route: answers with a Reply or throws (HttpError or a registry error). */
export type RouteHandler = (ctx: RequestContext) => Promise<Reply>;
