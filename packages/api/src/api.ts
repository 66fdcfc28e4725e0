// createApi: fleet's HTTP API v1 as a plain (req, res) handler, built without listening. It can
// be served by any node:http/https server and tested by injecting requests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { UnitStore } from '@fleet/registry';
import { Registry as PromRegistry } from 'prom-client';
import { errorBody, HttpError, toHttpError, UNAVAILABLE_MESSAGE } from './errors.js';
import { ClientGoneError, DEFAULT_BODY_LIMIT_BYTES } from './http/body.js';
import { jsonReply, writeReply, type Reply } from './http/reply.js';
import { silentLogger, systemClock, type Clock, type Logger } from '@fleet/runtime';
import { DEFAULT_LISTING_MAX_AGE_MS, ListingCache } from './listing-cache.js';
import { apiMetrics } from './metrics.js';
import { DEFAULT_TOKEN_LIMIT, MAX_UINT16 } from './pagination.js';
import type { RouteDeps } from './route.js';
import { resolveRoute, wrongMethodMessage, type Resource, type Routes } from './router.js';
import { consoleResource } from './console/serve.js';
import { eventsResolver } from './routes/events.js';
import { machineRoutes } from './routes/machines.js';
import { deployResolvers, deployRoutes } from './routes/deploys.js';
import { discoveryRoute, healthRoute, metricsRoute, readiness } from './routes/ops.js';
import { maintenanceResolver, maintenanceRoutes } from './routes/maintenance.js';
import { rolloutRoutes, rolloutsResolver } from './routes/rollouts.js';
import { machineAdminResolver, machineAdminRoutes } from './routes/machine-admin.js';
import { stateRoutes } from './routes/state.js';
import { unitPutRoute } from './routes/unit-put.js';
import { unitReadRoutes } from './routes/units.js';

/** Options of {@link createApi}. */
export interface ApiOptions {
  /**
   * Where units, assignments, machines and states live: the registry's API role (a Registry is
   * one), which has no way to schedule, campaign or register a machine.
   */
  readonly registry: UnitStore;
  /**
   * The registry for GETs, if not `registry`: fleetd gives a view whose reads fall back to an etcd
   * member's own copy during an etcd election (KvRegistry.withStaleReads), so reads stay answered.
   */
  readonly reads?: UnitStore;
  /** fleetd's version, sent as `Server: fleetd/<version>` and in /health. */
  readonly version: string;
  /** Page size of every list, 1–65535 (fleet's `token_limit`, default 100). */
  readonly tokenLimit?: number;
  /**
   * Whether fleetd can serve the API (registered, registry reachable). `true` = ready; `false`
   * or a string (the reason) = not ready: API requests get 503 and /health reports the reason.
   * Default: always ready.
   */
  readonly isReady?: () => boolean | string;
  /** Prometheus registry served at /metrics; API metrics are added to it. Default: a new one. */
  readonly metrics?: PromRegistry;
  /** Where 500s and client errors are logged. Default: nowhere. */
  readonly logger?: Logger;
  /** Largest request body accepted (default 1 MiB); larger ones get 413. */
  readonly bodyLimitBytes?: number;
  /**
   * How long (ms) a collection's listing, read for its first page, keeps serving its later pages
   * (default 5,000; 0: every page re-reads the collection, as fleet did). A first page always
   * reads afresh; writes through this API drop every kept listing. See the README, "Pagination".
   */
  readonly listingMaxAgeMs?: number;
  /** The machine of the fleetd serving the API: what `maintenance/enter` acts on by default. */
  readonly machineId?: string;
  /** Time for the listing cache (default: the system clock). */
  readonly clock?: Clock;
}

/** A request handler for `http.createServer` / `https.createServer`. */
export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Builds fleet's HTTP API v1 (see the package README for routes and statuses). The handler
 * never throws and never rejects: every failure is answered with fleet's error JSON, and
 * unexpected ones are logged and answered 500 with an empty message.
 * @throws RangeError if `tokenLimit` is not an integer in 1–65535, or `listingMaxAgeMs` is
 * negative
 */
export function createApi(opts: ApiOptions): ApiHandler {
  const tokenLimit = opts.tokenLimit ?? DEFAULT_TOKEN_LIMIT;
  if (!Number.isInteger(tokenLimit) || tokenLimit < 1 || tokenLimit > MAX_UINT16) {
    throw new RangeError(
      `tokenLimit must be an integer from 1 to ${MAX_UINT16}, got ${tokenLimit}`,
    );
  }
  const logger = opts.logger ?? silentLogger;
  const isReady = opts.isReady ?? (() => true);
  const listingMaxAgeMs = opts.listingMaxAgeMs ?? DEFAULT_LISTING_MAX_AGE_MS;
  if (!Number.isFinite(listingMaxAgeMs) || listingMaxAgeMs < 0) {
    throw new RangeError(`listingMaxAgeMs must be a number >= 0, got ${listingMaxAgeMs}`);
  }
  const promRegistry = opts.metrics ?? new PromRegistry();
  const metrics = apiMetrics(promRegistry);
  const deps: RouteDeps = {
    registry: opts.registry,
    reads: opts.reads ?? opts.registry,
    tokenLimit,
    bodyLimitBytes: opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    version: opts.version,
    logger,
    listings: new ListingCache(listingMaxAgeMs, opts.clock ?? systemClock),
  };
  const routes: Routes = {
    units: { ...unitReadRoutes(deps), put: unitPutRoute(deps) },
    state: stateRoutes(deps),
    machines: machineRoutes(deps),
    discovery: discoveryRoute,
    metrics: metricsRoute(promRegistry),
    health: healthRoute(deps, isReady),
    console: consoleResource,
    x: {
      events: eventsResolver(deps),
      rollouts: rolloutsResolver(rolloutRoutes(deps)),
      maintenance: maintenanceResolver(maintenanceRoutes(deps, opts.registry, opts.machineId)),
      machines: machineAdminResolver(machineAdminRoutes(deps)),
      ...deployResolvers(deployRoutes(deps)),
    },
  };
  const serverHeader = `fleetd/${opts.version}`;

  async function answer(req: IncomingMessage): Promise<{ route: string; reply: Reply }> {
    let resource: Resource | undefined;
    try {
      // Split by hand rather than with URL(), which would resolve `..` and read `//x` as a host.
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const pathname = q === -1 ? target : target.slice(0, q);
      const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
      resource = resolveRoute(pathname, routes);
      const method = req.method ?? 'GET';
      const handler = resource.methods[method];
      if (handler === undefined) {
        const allow = Object.keys(resource.methods).join(', ');
        throw new HttpError(resource.wrongMethodStatus, wrongMethodMessage(resource), {
          headers: { Allow: allow },
        });
      }
      if (resource.gated && !readiness(isReady).ready) {
        throw new HttpError(503, UNAVAILABLE_MESSAGE);
      }
      const reply = await handler({ req, query, name: resource.name });
      return { route: resource.label, reply };
    } catch (err) {
      const route = resource?.label ?? 'unmatched';
      if (err instanceof ClientGoneError) throw err;
      const known = toHttpError(err);
      if (known === undefined) {
        logger.error({ err, method: req.method, url: req.url }, 'API request failed');
        return { route, reply: jsonReply(500, errorBody(500, '')) };
      }
      if (known.status === 503) {
        logger.debug({ err, method: req.method, url: req.url }, 'API unavailable');
      }
      return {
        route,
        reply: jsonReply(known.status, errorBody(known.status, known.message), known.headers),
      };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    res.setHeader('Server', serverHeader);
    try {
      const { route, reply } = await answer(req);
      if (res.headersSent || res.destroyed) return;
      writeReply(res, reply);
      metrics.observe(
        req.method ?? 'GET',
        route,
        reply.status,
        (performance.now() - started) / 1000,
      );
      logger.debug({ method: req.method, url: req.url, status: reply.status }, 'API request');
    } catch (err) {
      if (err instanceof ClientGoneError) {
        logger.debug({ method: req.method, url: req.url }, err.message);
        res.destroy();
        return;
      }
      logger.error({ err, method: req.method, url: req.url }, 'API response failed');
      res.destroy();
    }
  }

  return (req, res) => {
    void handle(req, res);
  };
}
