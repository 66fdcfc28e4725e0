// A watch on etcd that survives etcd3's failure modes: it keeps its own resume revision
// (etcd3 jumps ahead to the header revision on connect), re-creates a watcher the server
// cancelled, and turns compaction into one `resync`.
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { backoff, type BackoffPolicy, type Clock } from '@fleet/runtime';
import { CompactedError } from '../errors.js';
import { fromKeyValue } from './etcd-codec.js';
import { isProbeAnswer } from './etcd-watch-stream.js';
import type { KvEvent, KvRangeRequest, KvRangeResult, KvWatch, KvWatchListener } from './kv.js';

/** What the watch needs from its Kv. */
export interface WatchDeps {
  readonly client: Etcd3;
  readonly clock: Clock;
  /** In [0, 1): the jitter of the re-watch delays (default Math.random). */
  readonly random?: () => number;
  range(req: KvRangeRequest): Promise<KvRangeResult>;
}

/** A watcher that failed is re-created after 200 ms, doubling up to 5 s, each ±20 %. */
export const REWATCH_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000, jitter: 0.2 };

function toEvents(res: IWatchResponse): KvEvent[] {
  return res.events.map((ev): KvEvent => {
    const kv = fromKeyValue(ev.kv);
    return ev.type === 'Delete'
      ? { type: 'delete', key: kv.key, modRevision: kv.modRevision }
      : { type: 'put', kv };
  });
}

/** Watches `[start, end)` after `afterRevision`. */
export function watchEtcd(
  deps: WatchDeps,
  start: string,
  end: string,
  afterRevision: bigint,
  listener: KvWatchListener,
): KvWatch {
  let resume = afterRevision + 1n;
  let closed = false;
  let current: Watcher | undefined;
  let failures = 0;
  let cancelRetry: () => void = () => {};

  const open = (): void => {
    if (closed) return;
    const w = deps.client
      .watch()
      .inRange({ start, end })
      .startRevision(resume.toString())
      .watcher();
    current = w;
    w.on('data', (res) => {
      if (closed || current !== w) return;
      failures = 0;
      // Our watchdog's probe answered: the stream is alive; it says nothing about this range.
      if (isProbeAnswer(res)) return;
      const events = toEvents(res);
      const last = events.at(-1);
      if (last !== undefined) {
        resume = (last.type === 'put' ? last.kv.modRevision : last.modRevision) + 1n;
        listener.events(events);
      } else {
        // A progress notification: nothing in range changed up to the header revision.
        const next = BigInt(res.header.revision) + 1n;
        if (next > resume) resume = next;
      }
    });
    w.on('disconnected', (err: unknown) => {
      // etcd3 will re-create the watcher from request.start_revision, which it moved to the
      // header revision on connect; put back the revision of what was actually delivered.
      w.request.start_revision = resume.toString();
      // The stream failed (connection lost, "no leader", or found silent): etcd3 re-creates it.
      if (!closed && current === w) listener.restarted?.(err);
    });
    w.on('error', (err) => {
      if (closed || current !== w) return;
      // Do not await w.cancel(): for a watcher the server cancelled it never resolves.
      current = undefined;
      void recover(err);
    });
  };

  const recover = async (err: unknown): Promise<void> => {
    try {
      const probe = resume - 1n;
      if (probe > 0n) await deps.range({ key: start, rangeEnd: end, revision: probe, limit: 1 });
    } catch (probeErr) {
      if (probeErr instanceof CompactedError) {
        closed = true;
        listener.resync(`watch history before revision ${resume} was compacted`);
        return;
      }
    }
    if (closed) return;
    listener.restarted?.(err);
    failures++;
    const delay = backoff(failures, REWATCH_BACKOFF, deps.random);
    cancelRetry = deps.clock.setTimer(delay, open);
  };

  open();
  return {
    async close(): Promise<void> {
      if (closed && current === undefined) return;
      closed = true;
      cancelRetry();
      const w = current;
      current = undefined;
      if (w === undefined) return;
      // Cancelling waits for etcd's confirmation; do not hang on a dead connection.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        w.cancel().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2_000);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      w.removeAllListeners();
      w.on('error', () => {});
    },
  };
}
