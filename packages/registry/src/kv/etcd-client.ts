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
import { isRecoverableError } from 'etcd3';

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
}

/** A configured etcd3 client. */
export function createEtcdClient(opts: EtcdConnectionOptions): Etcd3 {
  if (opts.endpoints.length === 0) throw new RangeError('etcd needs at least one endpoint');
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
  return new Etcd3({
    hosts: [...opts.endpoints],
    dialTimeout: opts.dialTimeoutMs ?? 5_000,
    // etcd3 has no default deadline: without one a unary call can hang as long as gRPC lets it.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    grpcOptions: {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      // Pings only while a call or stream is open: etcd's enforcement policy refuses pings on an
      // idle connection (PermitWithoutStream=false) and answers GOAWAY "too_many_pings". A fleetd
      // always has its lease keepalive and watch streams open, so its connection stays checked.
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
