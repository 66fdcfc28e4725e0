// Operational endpoints outside /fleet/v1: the discovery document route, Prometheus metrics and
// the health check.
import type { Registry as PromRegistry } from 'prom-client';
import { isRegistryError } from '@fleet/registry';
import { DISCOVERY_DOCUMENT } from '../discovery-document.js';
import { jsonReply, type Reply } from '../http/reply.js';
import type { RouteDeps, RouteHandler } from '../route.js';

/** `GET /fleet/v1/discovery`: the discovery document. */
export const discoveryRoute: RouteHandler = () =>
  Promise.resolve(jsonReply(200, DISCOVERY_DOCUMENT));

/** `GET /metrics`: every metric in `metrics`, in Prometheus text format. */
export function metricsRoute(metrics: PromRegistry): RouteHandler {
  return async (): Promise<Reply> => ({
    kind: 'text',
    status: 200,
    contentType: metrics.contentType,
    body: await metrics.metrics(),
  });
}

/** What `isReady` says, as "ready" or the reason it is not. */
export function readiness(
  isReady: () => boolean | string,
): { ready: true } | { ready: false; reason: string } {
  const r = isReady();
  if (r === true) return { ready: true };
  return { ready: false, reason: typeof r === 'string' && r !== '' ? r : 'fleetd is not ready' };
}

/**
 * `GET /health`: 200 `{"status":"ok","version":...,"leader":...}` when fleetd is ready and the
 * registry answers a read; otherwise 503 `{"status":"unavailable","reason":...}`.
 */
export function healthRoute(deps: RouteDeps, isReady: () => boolean | string): RouteHandler {
  return async (): Promise<Reply> => {
    const r = readiness(isReady);
    if (!r.ready) return jsonReply(503, { status: 'unavailable', reason: r.reason });
    try {
      const leader = await deps.registry.getLeader();
      return jsonReply(200, {
        status: 'ok',
        version: deps.version,
        ...(leader === undefined ? {} : { engineLeader: leader.candidateId }),
      });
    } catch (err) {
      if (!isRegistryError(err)) deps.logger.error({ err }, 'health check failed');
      const reason = isRegistryError(err) ? err.message : 'the registry check failed';
      return jsonReply(503, { status: 'unavailable', reason });
    }
  };
}
