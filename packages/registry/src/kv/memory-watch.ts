// Watch delivery for MemoryKv: a log of recent events for replay from a revision, and
// per-watcher queues drained asynchronously (as etcd delivers), in revision order.
import type { KvEvent, KvWatch, KvWatchListener } from './kv.js';

function revisionOf(e: KvEvent): bigint {
  return e.type === 'put' ? e.kv.modRevision : e.modRevision;
}

function keyOf(e: KvEvent): string {
  return e.type === 'put' ? e.kv.key : e.key;
}

class HubWatcher implements KvWatch {
  private queue: KvEvent[] = [];
  private scheduled = false;
  closed = false;

  constructor(
    private readonly start: string,
    private readonly end: string,
    private readonly listener: KvWatchListener,
    private readonly onClose: (w: HubWatcher) => void,
  ) {}

  offer(events: readonly KvEvent[]): void {
    for (const e of events) {
      const key = keyOf(e);
      if (key >= this.start && key < this.end) this.queue.push(e);
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.listener.events(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue = [];
    this.onClose(this);
    await Promise.resolve();
  }
}

/** Fans events out to watchers and keeps history back to the compaction point. */
export class MemoryWatchHub {
  private log: KvEvent[] = [];
  private readonly watchers = new Set<HubWatcher>();

  publish(events: readonly KvEvent[]): void {
    this.log.push(...events);
    for (const w of this.watchers) w.offer(events);
  }

  private firstAtOrAfter(rev: bigint): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.log[mid];
      if (e !== undefined && revisionOf(e) < rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops history before `rev`. */
  compact(rev: bigint): void {
    this.log = this.log.slice(this.firstAtOrAfter(rev));
  }

  /** Replays retained events from revision `from`, then delivers live ones. */
  watch(start: string, end: string, from: bigint, listener: KvWatchListener): KvWatch {
    const w = new HubWatcher(start, end, listener, (x) => this.watchers.delete(x));
    w.offer(this.log.slice(this.firstAtOrAfter(from)));
    this.watchers.add(w);
    return w;
  }

  /** A watch that only tells its listener to re-list. */
  resync(listener: KvWatchListener, reason: string): KvWatch {
    let closed = false;
    queueMicrotask(() => {
      if (!closed) listener.resync(reason);
    });
    return {
      close: async () => {
        closed = true;
        await Promise.resolve();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers].map((w) => w.close()));
  }
}
