// Lease keepalives on a long-lived LeaseKeepAlive stream. A short stream per keepalive (etcd3's
// keepaliveOnce) costs a gRPC call set-up on both sides each time: 1,000 machines renewing every
// TTL/3 opened 600 streams a second. etcd answers each request on a stream with the lease's ID and
// TTL (0 if the lease is gone), in order, so answers are matched to requests by ID, first in first
// out. Anything wrong with the stream (an error, its end, a request unanswered within the deadline)
// fails every request on it; the next request opens a new stream. Leases retry failed keepalives
// themselves (etcd-lease.ts). EtcdKv gives each lease its own stream (see keepAliveOnce there).
import { castGrpcError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';

/** The part of a gRPC duplex stream the keepalives use. */
export interface KeepAliveDuplex {
  write(req: { ID: string }): unknown;
  end(): unknown;
  cancel?(): unknown;
  on(event: 'data', fn: (res: { ID: string; TTL: string }) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}

interface Waiter {
  readonly resolve: (ttl: number) => void;
  readonly reject: (err: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** One stream's state: the requests sent on it and not yet answered, by lease ID. */
interface Open {
  readonly stream: Promise<KeepAliveDuplex>;
  readonly waiting: Map<string, Waiter[]>;
  failed: boolean;
}

/** Keepalives multiplexed over one stream, re-opened after any failure. */
export class KeepAliveStream {
  private current: Open | undefined;
  private closed = false;

  /**
   * @param open - opens a LeaseKeepAlive stream (etcd3's `leaseClient.leaseKeepAlive()`)
   * @param timeoutMs - how long a keepalive may go unanswered before the stream is given up
   */
  constructor(
    private readonly open: () => Promise<KeepAliveDuplex>,
    private readonly timeoutMs: number,
  ) {}

  /** Number of streams opened so far (for tests and the benchmark). */
  opened = 0;

  /** Sends one keepalive for `id`: resolves with the TTL etcd granted, 0 if the lease is gone. */
  async keepAlive(id: bigint): Promise<number> {
    if (this.closed) throw new Error('the keepalive stream is closed');
    const open = this.current ?? this.start();
    const stream = await open.stream;
    if (open.failed) throw new GRPCDeadlineExceededError('the keepalive stream failed');
    const key = id.toString();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            open,
            new GRPCDeadlineExceededError(`no keepalive answer within ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
      timer.unref?.();
      const queue = open.waiting.get(key) ?? [];
      queue.push({ resolve, reject, timer });
      open.waiting.set(key, queue);
      stream.write({ ID: key });
    });
  }

  private start(): Open {
    this.opened++;
    const open: Open = {
      stream: this.open(),
      waiting: new Map(),
      failed: false,
    };
    this.current = open;
    open.stream.then(
      (stream) => {
        stream.on('data', (res) => this.answer(open, res));
        stream.on('error', (err) => this.fail(open, castGrpcError(err)));
        stream.on('end', () =>
          this.fail(open, new GRPCUnavailableError('the keepalive stream ended')),
        );
      },
      (err: unknown) => this.fail(open, err instanceof Error ? err : new Error(String(err))),
    );
    return open;
  }

  private answer(open: Open, res: { ID: string; TTL: string }): void {
    const queue = open.waiting.get(res.ID);
    const waiter = queue?.shift();
    if (queue?.length === 0) open.waiting.delete(res.ID);
    if (waiter === undefined) return; // an answer to a request already failed
    clearTimeout(waiter.timer);
    waiter.resolve(Number(res.TTL));
  }

  /** Fails every request on `open` and forgets the stream: the next keepalive opens another. */
  private fail(open: Open, err: Error, stop: 'cancel' | 'end' = 'cancel'): void {
    if (open.failed) return;
    open.failed = true;
    if (this.current === open) this.current = undefined;
    for (const queue of open.waiting.values()) {
      for (const w of queue) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    }
    open.waiting.clear();
    open.stream.then(
      (stream) => stopQuietly(stream, stop),
      () => undefined,
    );
  }

  /** Fails what is waiting and ends the stream. */
  close(): void {
    this.closed = true;
    const open = this.current;
    if (open !== undefined) this.fail(open, new Error('the etcd client is closed'), 'end');
  }
}

/**
 * Stops a stream's call: a half-close lets etcd end it cleanly (a cancel counts as a fault in its
 * metrics); a cancel ends it on our side at once, as a call on a dead link needs.
 */
function stopQuietly(stream: KeepAliveDuplex, how: 'cancel' | 'end'): void {
  try {
    if (how === 'cancel' && stream.cancel !== undefined) stream.cancel();
    else stream.end();
  } catch {
    // already ended
  }
}
