// What one client can hold of the API: connections per listener (beyond the cap, the oldest
// connection with no request in progress makes room, so slow or idle clients cannot lock others
// out), requests in flight (503 with Retry-After beyond it), Node's header/request/keep-alive
// timeouts and the TLS handshake timeout; and failed TLS handshakes logged as counts, not lines.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '@fleet/runtime';

/** The API's limits; see {@link DEFAULT_LIMITS}. */
export interface ApiLimits {
  /** Open connections per listener. */
  readonly maxConnections: number;
  /** Requests being answered at once, over every listener; more get 503. */
  readonly maxInFlight: number;
  /** A request's headers must arrive within this (ms). */
  readonly headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this (ms). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  readonly keepAliveTimeoutMs: number;
  /** A TLS handshake must finish within this (ms). */
  readonly handshakeTimeoutMs: number;
}

/**
 * An operator API's: a few clients (fleetctl, CI, monitoring), each with a few connections.
 * Node's own defaults were no cap, 60 s for headers, 300 s per request and 120 s per handshake.
 */
export const DEFAULT_LIMITS: ApiLimits = {
  maxConnections: 512,
  maxInFlight: 128,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  handshakeTimeoutMs: 10_000,
};

/** fleet's error message of a request beyond the in-flight limit. */
export const BUSY_MESSAGE = 'fleet API busy: too many requests in flight; retry later';

/** Failed TLS handshakes are logged as one line per this many ms, with their count. */
export const TLS_FAILURE_LOG_MS = 60_000;

/** The options of node:http's server that carry the timeouts. */
export function serverTimeouts(limits: ApiLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often node checks the header and request timeouts (its default, 30 s, would let a
    // 10 s header timeout run to 40 s).
    connectionsCheckingInterval: Math.max(250, Math.min(limits.headersTimeoutMs / 4, 5_000)),
  };
}

/**
 * The connections of one listener, oldest first. Beyond `max`, a new connection closes the
 * oldest one with no request in progress (a slow or idle client), or is itself closed when every
 * connection is busy.
 */
export class ConnectionCap {
  private readonly open = new Set<Socket>();
  private readonly busy = new Map<Socket, number>();
  /** Connections closed to make room (or refused). */
  evicted = 0;

  constructor(private readonly max: number) {}

  /** How many connections are open. */
  get size(): number {
    return this.open.size;
  }

  /** Starts counting a new connection (a plain socket, or a TLS socket once secure). */
  admit(socket: Socket): void {
    if (this.open.size >= this.max) {
      let victim: Socket | undefined;
      for (const s of this.open) {
        if (!this.busy.has(s)) {
          victim = s;
          break;
        }
      }
      this.evicted++;
      (victim ?? socket).destroy();
      if (victim === undefined) return;
      this.open.delete(victim);
    }
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      this.busy.delete(socket);
    });
  }

  /** A request arrived on `socket`: it is not evicted until the response is done. */
  requestStarted(socket: Socket, res: http.ServerResponse): void {
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (this.busy.get(socket) ?? 1) - 1;
      if (n > 0) this.busy.set(socket, n);
      else this.busy.delete(socket);
    });
  }
}

/**
 * Failed TLS handshakes: the first of a quiet period is logged at once, later ones are counted
 * and logged as one line per {@link TLS_FAILURE_LOG_MS} (a port scan or a client without a
 * certificate must not flood the journal).
 */
export class FailureLog {
  private counting = false;
  private count = 0;
  private last = '';
  private cancel: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly log: (count: number, lastError: string) => void,
  ) {}

  failed(message: string): void {
    this.last = message;
    if (this.counting) {
      this.count++;
      return;
    }
    this.log(1, message);
    this.arm();
  }

  /** Stops counting (the listener closed); what was counted since the last line is dropped. */
  close(): void {
    this.cancel?.();
  }

  private arm(): void {
    this.counting = true;
    this.cancel = this.clock.setTimer(this.everyMs, () => {
      if (this.count === 0) {
        this.counting = false;
        return;
      }
      this.log(this.count, this.last);
      this.count = 0;
      this.arm();
    });
  }
}
