// One fleetd's link to the shared in-memory store, with faults: the Kv port under that fleetd's
// own KvRegistry (as each real fleetd has its own etcd client). Everything a real client loses
// in a fault is lost here: calls fail or stall, watch events are held or dropped, and the
// process's lease keepalives stop, so its machine and leader keys expire on the store's clock
// after their TTL, exactly as etcd expires them.
import { UnavailableError, type KvRegistry } from '@fleet/registry';
import type { ComponentClock } from './component-clock.js';

export type Kv = ConstructorParameters<typeof KvRegistry>[0];
type KvTxn = Parameters<Kv['txn']>[0];
type KvTxnResult = Awaited<ReturnType<Kv['txn']>>;
type KvRangeRequest = Parameters<Kv['range']>[0];
type KvRangeResult = Awaited<ReturnType<Kv['range']>>;
type KvLease = Awaited<ReturnType<Kv['grantLease']>>;
type KvWatchListener = Parameters<Kv['watch']>[3];
type KvWatch = ReturnType<Kv['watch']>;
type KvEvent = Parameters<KvWatchListener['events']>[0][number];
export type KvOp = KvTxn['success'][number];

/** The one store method the keepalive needs that the Kv port does not have (MemoryKv's). */
interface Renewable {
  renew(id: bigint): void;
}

/** How the link behaves now. */
export type LinkMode =
  /** Working. */
  | 'ok'
  /** Refused: calls reject Unavailable, watch events are held, keepalives fail. */
  | 'cut'
  /** Blackholed: calls hang up to the request deadline then reject, events held, keepalives fail. */
  | 'blackhole'
  /** The process is stopped: calls and events wait for the resume, keepalives stop. */
  | 'paused'
  /** The process is dead: nothing it does reaches the store again. */
  | 'dead';

/** A committed transaction seen on this link (for the history). */
export interface CommittedTxn {
  readonly txn: KvTxn;
  readonly result: KvTxnResult;
}

const REQUEST_DEADLINE_MS = 2_000;

interface Queued {
  readonly events: readonly KvEvent[];
  /** When it may be delivered (Infinity: held until the link heals). */
  due: number;
}

interface LinkWatch {
  readonly listener: KvWatchListener;
  readonly inner: KvWatch;
  /** Events not delivered yet, in revision order: delivery never reorders them. */
  queue: Queued[];
  cancelTimer: (() => void) | undefined;
  closed: boolean;
}

interface LinkLease {
  readonly id: bigint;
  stopped: boolean;
}

export class FaultyKv implements Kv {
  readonly endpoints: readonly string[] = ['memory'];
  mode: LinkMode = 'ok';
  /** Watch events are dropped without an error (a member cut off from the raft majority). */
  silent = false;
  /** Watch events and call results arrive this much later. */
  lagMs = 0;
  /** Watch events (only) arrive this much later. */
  eventLagMs = 0;
  /** Watch events are held (until {@link release}) while calls work. */
  holdEvents = false;
  /** Fail the next N range reads (optionally only of keys under `failListPrefix`). */
  failLists = 0;
  failListPrefix: string | undefined;
  /** Fail the next N writing transactions before they commit. */
  failWrites = 0;
  /** Commit the next N writing transactions whose keys match, then throw Unavailable. */
  ambiguous = 0;
  ambiguousPrefix: string | undefined;
  private readonly watches = new Set<LinkWatch>();
  private readonly leases = new Map<bigint, LinkLease>();
  private resumers: (() => void)[] = [];

  constructor(
    private readonly store: Kv,
    readonly clock: ComponentClock,
    private readonly onCommit: (c: CommittedTxn) => void,
  ) {}

  /** Lease IDs granted through this link and still renewed by it. */
  leaseIds(): bigint[] {
    return [...this.leases.values()].filter((l) => !l.stopped).map((l) => l.id);
  }

  setMode(mode: LinkMode): void {
    if (this.mode === 'dead') return;
    this.mode = mode;
    if (mode === 'ok') {
      const r = this.resumers;
      this.resumers = [];
      for (const fn of r) fn();
      for (const w of this.watches) this.pump(w);
    }
    if (mode === 'dead') {
      for (const w of this.watches) void this.closeWatch(w);
      for (const l of this.leases.values()) l.stopped = true;
      const r = this.resumers;
      this.resumers = [];
      for (const fn of r) fn();
    }
  }

  /**
   * Held watch events are released `chunk` at a time every `gapMs` (etcd's catch-up after a
   * reconnect: about 1,000 revisions per 100 ms).
   */
  release(chunk: number, gapMs: number): void {
    const now = this.clock.monotonic();
    for (const w of this.watches) {
      let i = 0;
      for (const q of w.queue)
        if (q.due === Infinity) q.due = now + Math.floor(i++ / chunk) * gapMs;
      this.pump(w);
    }
  }

  /** Every open watch ends with a resync: the caller must list again. */
  resyncWatches(reason: string): void {
    for (const w of [...this.watches]) {
      void this.closeWatch(w);
      w.listener.resync(reason);
    }
  }

  private async closeWatch(w: LinkWatch): Promise<void> {
    w.closed = true;
    w.queue = [];
    w.cancelTimer?.();
    this.watches.delete(w);
    await w.inner.close();
  }

  /** Waits while the process is paused; throws if the link refuses the call. */
  private async gate(): Promise<void> {
    while (this.mode === 'paused') await new Promise<void>((r) => this.resumers.push(r));
    if (this.mode === 'dead' || this.mode === 'cut') throw new UnavailableError(this.endpoints);
    if (this.mode === 'blackhole') {
      await new Promise<void>((r) => {
        this.clock.setTimer(REQUEST_DEADLINE_MS, r);
        this.resumers.push(r);
      });
      if (this.current() !== 'ok') throw new UnavailableError(this.endpoints);
    }
  }

  /** The mode now (read again after an await). */
  private current(): LinkMode {
    return this.mode;
  }

  /** After the store answered: the answer waits out a pause and the link's lag. */
  private async answer(): Promise<void> {
    if (this.lagMs > 0) await new Promise<void>((r) => this.clock.setTimer(this.lagMs, r));
    while (this.mode === 'paused') await new Promise<void>((r) => this.resumers.push(r));
    if (this.mode === 'dead') throw new UnavailableError(this.endpoints);
  }

  async txn(txn: KvTxn): Promise<KvTxnResult> {
    await this.gate();
    const keys = opKeys(txn.success);
    const writes = txn.success.some((o) => o.type !== 'range');
    if (writes && this.failWrites > 0) {
      this.failWrites--;
      throw new UnavailableError(this.endpoints);
    }
    const result = await this.store.txn(txn);
    if (result.succeeded && writes) this.onCommit({ txn, result });
    const prefix = this.ambiguousPrefix;
    if (
      writes &&
      this.ambiguous > 0 &&
      (prefix === undefined || keys.some((k) => k.startsWith(prefix)))
    ) {
      this.ambiguous--;
      throw new UnavailableError(this.endpoints); // committed, but the answer was lost
    }
    await this.answer();
    return result;
  }

  async range(req: KvRangeRequest): Promise<KvRangeResult> {
    await this.gate();
    const prefix = this.failListPrefix;
    if (this.failLists > 0 && (prefix === undefined || req.key.startsWith(prefix))) {
      this.failLists--;
      throw new UnavailableError(this.endpoints);
    }
    const result = await this.store.range(req);
    await this.answer();
    return result;
  }

  async grantLease(ttlSeconds: number, renewEveryMs?: number): Promise<KvLease> {
    await this.gate();
    const inner = await this.store.grantLease(ttlSeconds);
    // This process renews the lease itself, on its own clock and through its own link.
    inner.stopRenewing();
    const state: LinkLease = { id: inner.id, stopped: false };
    this.leases.set(inner.id, state);
    let last = this.clock.monotonic();
    const renewed: (() => void)[] = [];
    const renewable = this.store as Kv & Partial<Renewable>;
    const keepalive = () => {
      if (state.stopped || inner.lost.aborted) return;
      const sent = this.clock.monotonic();
      if (this.mode === 'ok' && typeof renewable.renew === 'function') {
        const lag = this.lagMs;
        const ack = () => {
          if (state.stopped || inner.lost.aborted || this.mode !== 'ok') return;
          renewable.renew?.(inner.id);
          last = sent;
          for (const fn of renewed) fn();
        };
        if (lag > 0) this.clock.setTimer(lag, ack);
        else ack();
      }
      this.clock.setTimer(every, keepalive);
    };
    const every = renewEveryMs ?? (ttlSeconds * 1000) / 3;
    this.clock.setTimer(every, keepalive);
    inner.lost.addEventListener('abort', () => this.leases.delete(inner.id), { once: true });
    await this.answer();
    return {
      id: inner.id,
      ttlSeconds,
      lost: inner.lost,
      lastRenewedAt: () => last,
      gone: () => inner.gone(),
      onRenewed: (fn) => void renewed.push(fn),
      revoke: async () => {
        state.stopped = true;
        await this.gate();
        await inner.revoke();
      },
      stopRenewing: () => {
        state.stopped = true;
      },
    };
  }

  async revokeLease(id: bigint): Promise<void> {
    await this.gate();
    await this.store.revokeLease(id);
  }

  watch(key: string, rangeEnd: string, afterRevision: bigint, listener: KvWatchListener): KvWatch {
    if (this.mode === 'dead') throw new UnavailableError(this.endpoints);
    const w: LinkWatch = {
      listener,
      queue: [],
      cancelTimer: undefined,
      closed: false,
      inner: this.store.watch(key, rangeEnd, afterRevision, {
        events: (evs) => this.deliver(w, evs),
        resync: (reason) => {
          if (!w.closed) listener.resync(reason);
        },
        restarted: (err) => listener.restarted?.(err),
      }),
    };
    this.watches.add(w);
    return { close: () => this.closeWatch(w) };
  }

  private deliver(w: LinkWatch, evs: readonly KvEvent[]): void {
    if (w.closed || this.mode === 'dead' || this.silent) return;
    const last = w.queue[w.queue.length - 1];
    const due =
      this.mode === 'ok' && !this.holdEvents
        ? this.clock.monotonic() + this.lagMs + this.eventLagMs
        : Infinity;
    w.queue.push({ events: [...evs], due: Math.max(due, last?.due ?? -Infinity) });
    this.pump(w);
  }

  /** Delivers what is due, in order, and arms a timer for the next. */
  private pump(w: LinkWatch): void {
    w.cancelTimer?.();
    w.cancelTimer = undefined;
    if (this.mode === 'paused' || this.mode === 'dead') return;
    for (;;) {
      const head = w.queue[0];
      if (w.closed || head === undefined) return;
      const wait = head.due - this.clock.monotonic();
      if (wait === Infinity) return;
      if (wait > 0) {
        w.cancelTimer = this.clock.setTimer(wait, () => this.pump(w));
        return;
      }
      w.queue.shift();
      w.listener.events(head.events);
    }
  }

  async compact(revision: bigint): Promise<void> {
    await this.gate();
    await this.store.compact(revision);
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) await this.closeWatch(w);
    for (const l of this.leases.values()) l.stopped = true;
  }
}

/** Every key an op list touches (nested transactions included). */
export function opKeys(ops: readonly KvOp[]): string[] {
  return ops.flatMap((o) =>
    o.type === 'txn' ? [...opKeys(o.txn.success), ...opKeys(o.txn.failure)] : [o.key],
  );
}
