// Closing a listener ends its keep-alive connections too. node:http's close() closes the
// connections idle at that moment; a client that keeps one busy (requests back to back) would
// hold it open, and with it the close, for ever: a fleetd handing its machine over for a restart
// would never exit, and the hand-over lease would expire. So from the close on, every response
// says `Connection: close` (the connection ends after it), and what becomes idle is closed.

/** How often connections that became idle since the close are looked for (ms). */
const IDLE_SWEEP_MS = 50;

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
  http.on('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  http.closeIdleConnections();
  const sweep = setInterval(() => http.closeIdleConnections(), IDLE_SWEEP_MS);
  sweep.unref();
  return () => clearInterval(sweep);
}
