// Closing a listener ends its keep-alive connections too. node:http's close() closes the
// connections idle at that moment; a client that keeps one busy (requests back to back) would
// hold it open, and with it the close, for ever: a fleetd handing its machine over for a restart
// would never exit, and the hand-over lease would expire. So from the close on, every response
// says `Connection: close` (the connection ends after it), and what becomes idle is closed.

/** How often connections that became idle since the close are looked for (ms). */
const IDLE_SWEEP_MS = 50;

/** Long responses (event streams) to end when their server closes, by server. */
const streams = new WeakMap<object, Set<() => void>>();
/** Servers whose close has begun. */
const closing = new WeakSet<object>();

/**
 * Calls `end` when the server of `req`'s connection starts closing (at once if it has), so that a
 * response that never ends by itself (an event stream) does not hold the close for ever. node:http
 * sets the connection's `server`; a request without one (injected in tests) is not followed.
 * Returns what forgets `end` (call it when the response ends).
 */
export function endOnClose(req: { socket?: unknown }, end: () => void): () => void {
  const server = (req.socket as { server?: unknown } | undefined)?.server;
  if (typeof server !== 'object' || server === null) return () => undefined;
  if (closing.has(server)) {
    end();
    return () => undefined;
  }
  let set = streams.get(server);
  if (set === undefined) streams.set(server, (set = new Set()));
  set.add(end);
  const s = set;
  return () => void s.delete(end);
}

/** The little of node:http's server used here. */
interface HttpServerLike {
  closeIdleConnections(): void;
  on(
    event: 'request',
    listener: (
      req: unknown,
      res: { headersSent: boolean; setHeader(n: string, v: string): unknown },
    ) => void,
  ): unknown;
}

/**
 * Ends every keep-alive connection of `http` once it is idle; returns what stops the sweeping
 * (call it when the listener has closed).
 */
export function endKeepAlive(http: HttpServerLike): () => void {
  closing.add(http);
  for (const end of streams.get(http) ?? []) end();
  streams.delete(http);
  http.on('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  http.closeIdleConnections();
  const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
  sweep.unref();
  return () => clearInterval(sweep);
}
