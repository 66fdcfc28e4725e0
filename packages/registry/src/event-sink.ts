// Emitting events without waiting for them: the engine's and the agents' loops hand events to a
// sink and go on; the sink appends them in batches, in the background, and never throws. A store
// that cannot be reached costs events (the queue is bounded), never a loop's progress.
import {
  isRetryable,
  oneLine,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
} from '@fleet/runtime';
import { checkEvent } from './core/events.js';
import { MAX_EVENT_MESSAGE_BYTES, type EventInput } from './event-types.js';
import type { Registry } from './registry.js';

/** Where code emits cluster events: returns at once, never throws; delivery is best effort. */
export interface EventSink {
  emit(event: EventInput): void;
}

/** A sink that drops everything (events switched off, tests). */
export const noEvents: EventSink = { emit: () => undefined };

/** Options of {@link BufferedEventSink}. */
export interface BufferedEventSinkOptions {
  readonly store: Pick<Registry, 'appendEvents'>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Events held at most while the store is slow or away; the oldest are dropped (default 1,000). */
  readonly maxQueued?: number;
  /** Events per append (default 100: one transaction under etcd's default op limit). */
  readonly batchSize?: number;
  /** Pause before trying again after a failed append (default 5 s). */
  readonly retryMs?: number;
}

/** Cuts a message to the stored bound (whole characters), marking the cut with `…`. */
export function fitEventMessage(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MAX_EVENT_MESSAGE_BYTES) return message;
  let out = '';
  let size = 3; // the ellipsis
  for (const ch of message) {
    size += Buffer.byteLength(ch, 'utf8');
    if (size > MAX_EVENT_MESSAGE_BYTES) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * An {@link EventSink} over the registry: events are checked when emitted (a bad one is logged and
 * dropped, a long message cut), queued, and appended in batches, one append at a time. A failed
 * append is logged once per outage and tried again after `retryMs`; the queue keeps the newest
 * `maxQueued` events meanwhile.
 */
export class BufferedEventSink implements EventSink {
  private readonly store: Pick<Registry, 'appendEvents'>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly maxQueued: number;
  private readonly batchSize: number;
  private readonly retryMs: number;
  private queue: EventInput[] = [];
  private running: Promise<void> | undefined;
  private cancelRetry: (() => void) | undefined;
  private failing = false;
  /** The queue overflowed since it was last empty (logged once). */
  private overflowed = false;
  private closed = false;
  /** Events dropped so far: refused as invalid, or pushed out of a full queue. */
  dropped = 0;

  constructor(opts: BufferedEventSinkOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'events' });
    this.maxQueued = Math.max(1, opts.maxQueued ?? 1000);
    this.batchSize = Math.max(1, opts.batchSize ?? 100);
    this.retryMs = opts.retryMs ?? 5000;
  }

  emit(event: EventInput): void {
    if (this.closed) return;
    let e: EventInput;
    try {
      e = { ...event, message: fitEventMessage(String(event.message)) };
      e = { ...e, time: checkEvent(e, () => this.clock.now()).time };
    } catch (err) {
      this.dropped++;
      this.log.error({ err, kind: event.kind }, 'event dropped: it is not valid');
      return;
    }
    this.queue.push(e);
    if (this.queue.length > this.maxQueued) {
      this.dropped += this.queue.length - this.maxQueued;
      this.queue.splice(0, this.queue.length - this.maxQueued);
      if (!this.overflowed) {
        this.log.warn(
          { maxQueued: this.maxQueued },
          'event queue full: dropping the oldest events',
        );
      }
      this.overflowed = true;
    }
    if (this.cancelRetry === undefined) void this.kick();
  }

  /** Events waiting to be appended. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Appends what is queued now (waiting for an append in flight first); resolves when the queue
   * is empty or an append failed. Never rejects.
   */
  async flush(): Promise<void> {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    await this.kick();
  }

  /** Flushes once more, then drops whatever still waits and ignores later events. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.cancelRetry?.();
    this.queue = [];
  }

  private kick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    await Promise.resolve(); // events emitted in the same turn (one pass's tasks) go in one append
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await this.store.appendEvents(batch);
        if (this.failing) this.log.info({}, 'events are appended again');
        this.failing = false;
      } catch (err) {
        if (!isRetryable(err)) {
          this.dropped += batch.length;
          this.log.error(
            { err: oneLine(err), events: batch.length },
            'events dropped: append refused',
          );
          continue;
        }
        const room = Math.max(0, this.maxQueued - this.queue.length);
        const kept = batch.slice(Math.max(0, batch.length - room));
        this.dropped += batch.length - kept.length;
        this.queue.unshift(...kept);
        if (!this.failing)
          this.log.warn({ err: oneLine(err) }, 'could not append events; retrying');
        this.failing = true;
        if (!this.closed) {
          this.cancelRetry = this.clock.setTimer(this.retryMs, () => {
            this.cancelRetry = undefined;
            void this.kick();
          });
        }
        return;
      }
    }
    this.overflowed = false; // all appended: a later overflow is news again
  }
}
