// `metrics_listen=host:port`: a listener that serves only GET /metrics (as etcd's
// --listen-metrics-urls), without the API and without authentication, so that Prometheus can
// scrape a fleetd whose API is on a unix socket or behind client certificates.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oneLine, type Logger } from '@fleet/runtime';
import type { Registry as PromRegistry } from 'prom-client';
import { listenHost } from './config-api.js';
import { ListenError } from './errors.js';
import type { ResourceStack } from './resources.js';

/** The metrics-only listener's request handler: GET (and HEAD) /metrics, nothing else. */
function handler(registry: PromRegistry, log: Logger) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('only /metrics is served here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error({ err }, 'cannot collect the metrics');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('cannot collect the metrics\n');
      },
    );
  };
}

/**
 * Opens the metrics-only listener at `hostPort` (from `metrics_listen`; `''`: none) on the
 * resource stack; returns its address (`host:port`), or undefined when there is none.
 * @throws ListenError when the address cannot be listened on
 */
export async function listenMetrics(
  hostPort: string,
  registry: PromRegistry,
  log: Logger,
  resources: ResourceStack,
): Promise<string | undefined> {
  if (hostPort === '') return undefined;
  const server = await resources.use(
    () =>
      new Promise<Server>((resolve, reject) => {
        const s = createServer(handler(registry, log));
        s.once('error', (err) =>
          reject(new ListenError(`cannot serve metrics_listen=${hostPort}: ${oneLine(err)}`)),
        );
        const port = Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
        s.listen(port, listenHost(hostPort), () => resolve(s));
      }),
    (s) =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  );
  server.on('error', (err) => log.error({ err }, 'metrics listener failed'));
  const a = server.address() as AddressInfo;
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}
