// The etcd3 client, set up as libs.md §2.2 prescribes: call deadlines, a 64 MiB receive limit,
// gRPC keepalive, a circuit breaker that recovers within a second, and bounded watch backoff.
// Retries of unary calls are done by EtcdKv (it must know when a retried write may have
// committed), so the client's own global policy is a no-op.
import { Etcd3 } from 'etcd3';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  noop,
  type IBackoff,
} from 'cockatiel';
import { isRecoverableError, type CallContext } from 'etcd3';
import type { CallOptions, Interceptor } from '@grpc/grpc-js';

/** Connection settings for etcd. */
export interface EtcdConnectionOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call (default 5,000 ms). */
  readonly requestTimeoutMs?: number;
  /** Time allowed to establish a connection (default 5,000 ms). */
  readonly dialTimeoutMs?: number;
  /** TLS and basic auth, passed to etcd3 as is. */
  readonly credentials?: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer };
  readonly auth?: { username: string; password: string };
  /**
   * gRPC keepalive ping interval while calls are open (default 10,000 ms; 0 turns pings off).
   * Pings find a dead connection, not a member that answers them but has lost its leader.
   */
  readonly keepaliveMs?: number;
}

/**
 * The options of each call: a deadline on unary calls (etcd3 has none by default: a call could
 * hang as long as gRPC lets it), and on the Watch stream the interceptor that requires a leader
 * and watches the stream (etcd-watch-stream.ts). Other streams (lease keepalives) get their own
 * deadlines from the caller.
 */
export function callOptions(
  ctx: CallContext,
  requestTimeoutMs: number,
  watchInterceptor: Interceptor | undefined,
): CallOptions {
  if (!ctx.isStream) return { deadline: Date.now() + requestTimeoutMs };
  if (ctx.service === 'Watch' && watchInterceptor !== undefined) {
    return { interceptors: [watchInterceptor] };
  }
  return {};
}

/** A configured etcd3 client. */
export function createEtcdClient(
  opts: EtcdConnectionOptions,
  watchInterceptor?: Interceptor,
): Etcd3 {
  if (opts.endpoints.length === 0) throw new RangeError('etcd needs at least one endpoint');
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
  const keepaliveMs = opts.keepaliveMs ?? 10_000;
  return new Etcd3({
    hosts: [...opts.endpoints],
    dialTimeout: opts.dialTimeoutMs ?? 5_000,
    defaultCallOptions: (ctx) => callOptions(ctx, requestTimeoutMs, watchInterceptor),
    grpcOptions: {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      ...(keepaliveMs > 0
        ? { 'grpc.keepalive_time_ms': keepaliveMs, 'grpc.keepalive_timeout_ms': 5_000 }
        : {}),
      // Pings only while a call or stream is open: etcd's enforcement policy refuses pings on an
      // idle connection (PermitWithoutStream=false) and answers GOAWAY "too_many_pings". A fleetd
      // always has its watch stream open, so its connection stays checked.
      'grpc.keepalive_permit_without_calls': 0,
    },
    ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
    ...(opts.auth === undefined ? {} : { auth: opts.auth }),
    faultHandling: {
      // The default breaker (3 failures, 5 s open) adds seconds of outage after etcd is back.
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1_000,
          breaker: new ConsecutiveBreaker(5),
        }),
      global: noop,
      // Typed as IBackoff in 1.1.2 but used as a factory (.next()).
      watchBackoff: new ExponentialBackoff({
        initialDelay: 200,
        maxDelay: 5_000,
      }) as unknown as IBackoff<unknown>,
    },
  });
}
