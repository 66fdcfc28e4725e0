// The API's own Prometheus metrics (a counter, and a histogram in seconds; namespace `fleet`).
// Creating the API twice over one registry (a SIGHUP reload) reuses them instead of failing.
import { Counter, Histogram, type Registry as PromRegistry } from 'prom-client';

/** Records one answered request. */
export interface ApiMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

const REQUESTS = 'fleet_api_requests_total';
const DURATION = 'fleet_api_request_duration_seconds';

/** Registers (or finds) the API metrics in `registry`. */
export function apiMetrics(registry: PromRegistry): ApiMetrics {
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<'method' | 'route' | 'code'> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'HTTP API requests answered, by method, route and status code',
      labelNames: ['method', 'route', 'code'] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(DURATION) as Histogram<'method' | 'route'> | undefined) ??
    new Histogram({
      name: DURATION,
      help: 'HTTP API request handling time in seconds, by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
  return {
    observe(method, route, status, seconds) {
      requests.inc({ method, route, code: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}
