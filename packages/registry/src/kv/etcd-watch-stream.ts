// The etcd Watch stream, watched. etcd3 multiplexes every watcher of a client on one gRPC stream;
// two things can leave that stream open and silent (review F5b):
// - a member cut off from the raft majority keeps the stream open and answers gRPC pings, but
//   delivers nothing. Go's clientv3.WithRequireLeader sends `hasleader: true` metadata, and etcd
//   then cancels the stream ("etcdserver: no leader") when the member loses its leader; etcd3
//   never sends it, so this interceptor does.
// - a stream can stop delivering without any error reaching us. So when nothing at all has come
//   down the stream for `idleMs`, the monitor sends a progress request (etcd answers at once when
//   its watchers are synced); if nothing arrives within `probeTimeoutMs` it fails the stream with
//   UNAVAILABLE, and etcd3 re-creates it (on a shuffled host) and every watcher resumes from its
//   own revision (etcd-watch.ts).
// etcd answers a progress request with watch_id -1, which etcd3 would throw on (it knows no such
// watcher); and a message an interceptor drops stalls the stream (grpc-js reads the next message
// only once the last one was delivered). So the answer is passed up addressed to one of the
// stream's watchers, marked as a probe answer ({@link isProbeAnswer}): it reaches etcd3 as an
// empty response, which etcd-watch.ts takes as a sign of life and nothing more.
import { InterceptingCall, status, type Interceptor } from '@grpc/grpc-js';
import type { Clock } from '@fleet/runtime';

/** A call below an interceptor (grpc-js does not export the interface by name). */
type NextCallResult = ReturnType<Parameters<Interceptor>[1]>;

/** Metadata key and value etcd reads to require a leader (clientv3's WithRequireLeader). */
export const REQUIRE_LEADER: readonly [string, string] = ['hasleader', 'true'];

/** Options of {@link WatchStreamMonitor}. */
export interface WatchStreamOptions {
  readonly clock: Clock;
  /** Silence after which the stream is probed (default 60,000 ms). */
  readonly idleMs?: number;
  /** How long a probe may go unanswered before the stream is failed (default 10,000 ms). */
  readonly probeTimeoutMs?: number;
  /** Told when a silent stream is failed (for logs and tests). */
  readonly onReset?: (reason: string) => void;
  /**
   * Told when etcd cancels a watch because the stream's auth token is no longer valid, before the
   * stream is failed: the client must log in again before it re-creates the stream.
   */
  readonly onTokenRejected?: () => void;
}

/** Set on a probe answer passed up to etcd3 (see the file comment). */
const PROBE_ANSWER = 'fleetProbeAnswer';

/** Whether a watch response etcd3 delivered is the answer to our progress request. */
export function isProbeAnswer(res: object): boolean {
  return (res as Record<string, unknown>)[PROBE_ANSWER] === true;
}

interface WatchResponseLike {
  readonly watch_id?: unknown;
  readonly created?: unknown;
  readonly canceled?: unknown;
  readonly cancel_reason?: unknown;
  readonly events?: readonly unknown[];
}

/** etcd's answer to a progress request: no watcher's ID (-1), no events, not a create/cancel. */
function isProgressAnswer(msg: WatchResponseLike): boolean {
  return (
    String(msg.watch_id) === '-1' &&
    msg.created !== true &&
    msg.canceled !== true &&
    (msg.events?.length ?? 0) === 0
  );
}

/**
 * etcd checks a watch stream's auth token at each watch it creates on the stream, not once: after
 * the token expired (etcd's simple tokens expire after `--auth-token-ttl`, 300 s, unused) or after
 * etcd restarted (it forgets its simple tokens), each new watch on the stream is cancelled with
 * "invalid auth token", while the watches already there go on.
 */
function isTokenRejection(msg: WatchResponseLike): boolean {
  return msg.canceled === true && /invalid auth token/.test(String(msg.cancel_reason ?? ''));
}

/** What the watchdog has done (for metrics and tests). */
export interface WatchStreamStats {
  /** Progress requests sent to silent streams. */
  readonly probes: number;
  /** Answers to them. */
  readonly answers: number;
  /** Silent streams failed, so that etcd3 re-created them. */
  readonly resets: number;
  /** Streams failed because etcd refused their auth token, so that they log in again. */
  readonly reauths: number;
}

/** Sets the require-leader metadata on, and keeps a watchdog over, a client's Watch stream. */
export class WatchStreamMonitor {
  private counts = { probes: 0, answers: 0, resets: 0, reauths: 0 };
  private readonly idleMs: number;
  private readonly probeTimeoutMs: number;
  private current: NextCallResult | undefined;
  /** The watch IDs etcd created on the current stream and has not cancelled. */
  private currentIds: Set<unknown> = new Set();
  private lastHeard = 0;
  private probeSentAt: number | undefined;
  private cancelTimer: () => void = () => {};
  private closed = false;

  constructor(private readonly opts: WatchStreamOptions) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
  }

  /** The gRPC interceptor to pass in the Watch call's options. */
  readonly interceptor: Interceptor = (options, nextCall) => {
    const call = nextCall(options);
    const ids = new Set<unknown>();
    return new InterceptingCall(call, {
      start: (metadata, listener, next) => {
        metadata.set(...REQUIRE_LEADER);
        this.adopt(call, ids);
        next(metadata, {
          onReceiveMessage: (msg: WatchResponseLike, deliver) => {
            if (this.current === call) this.heard();
            if (isTokenRejection(msg)) {
              // etcd3 takes the cancel as that watcher's error (etcd-watch.ts re-creates it), but
              // then stalls its queue of creates for good, and a watcher re-created on this stream
              // would carry the same token. So the whole stream is failed after a new login; etcd3
              // re-creates it, and every watcher resumes from its own revision (etcd-watch.ts).
              // The message goes up first: grpc-js holds a status back until it has.
              deliver(msg);
              this.reauthenticate(call);
              return;
            }
            if (msg.canceled === true) ids.delete(msg.watch_id);
            else if (msg.created === true) ids.add(msg.watch_id);
            if (!isProgressAnswer(msg)) {
              deliver(msg);
              return;
            }
            this.counts.answers++;
            const to = ids.values().next();
            // No watcher left to address it to: etcd3 is closing this stream anyway.
            if (to.done !== true) deliver({ ...msg, watch_id: to.value, [PROBE_ANSWER]: true });
          },
          onReceiveStatus: (st, deliver) => {
            if (this.current === call) this.drop();
            deliver(st);
          },
        });
      },
    });
  };

  get stats(): WatchStreamStats {
    return { ...this.counts };
  }

  /** Stops the watchdog (the client is closing). */
  close(): void {
    this.closed = true;
    this.drop();
  }

  private reauthenticate(call: NextCallResult): void {
    if (this.current === call) this.drop();
    this.counts.reauths++;
    this.opts.onTokenRejected?.();
    call.cancelWithStatus(
      status.UNAVAILABLE,
      "etcd refused the watch stream's auth token (expired, or etcd restarted)",
    );
  }

  private adopt(call: NextCallResult, ids: Set<unknown>): void {
    if (this.closed) return;
    this.current = call;
    this.currentIds = ids;
    this.probeSentAt = undefined;
    this.lastHeard = this.opts.clock.monotonic();
    this.arm(this.idleMs);
  }

  private drop(): void {
    this.current = undefined;
    this.probeSentAt = undefined;
    this.cancelTimer();
    this.cancelTimer = () => {};
  }

  private heard(): void {
    this.lastHeard = this.opts.clock.monotonic();
    this.probeSentAt = undefined;
  }

  private arm(delayMs: number): void {
    this.cancelTimer();
    this.cancelTimer = this.opts.clock.setTimer(delayMs, () => this.check());
  }

  private check(): void {
    const call = this.current;
    if (call === undefined || this.closed) return;
    const now = this.opts.clock.monotonic();
    if (this.probeSentAt === undefined) {
      const due = this.lastHeard + this.idleMs;
      if (now < due) {
        this.arm(due - now);
        return;
      }
      this.probeSentAt = now;
      // With no watcher created yet there is nothing to address an answer to: no probe, but a
      // stream whose creates go unanswered this long is failed all the same.
      if (this.currentIds.size > 0) {
        try {
          this.counts.probes++;
          call.sendMessage({ progress_request: {} });
        } catch {
          // A stream that cannot take a write is failed below like a silent one.
        }
      }
      this.arm(this.probeTimeoutMs);
      return;
    }
    if (now - this.probeSentAt < this.probeTimeoutMs) {
      this.arm(this.probeSentAt + this.probeTimeoutMs - now);
      return;
    }
    const reason = `the etcd watch stream was silent for ${now - this.lastHeard} ms and did not answer a progress request`;
    this.drop();
    this.counts.resets++;
    this.opts.onReset?.(reason);
    call.cancelWithStatus(status.UNAVAILABLE, reason);
  }
}
