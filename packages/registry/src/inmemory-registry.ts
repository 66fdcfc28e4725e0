// The registry in process: the same registry code over MemoryKv, for tests and for a
// single-process dev mode.
import { systemClock, type Clock } from '@fleet/runtime';
import { KvRegistry, type RegistryOptions } from './kv-registry.js';
import type { KvFaults } from './kv/memory-faults.js';
import { MemoryKv } from './kv/memory-kv.js';

/** Options of {@link InMemoryRegistry}. */
export interface InMemoryRegistryOptions extends RegistryOptions {
  /**
   * Drives lease keepalive, expiry and local fencing. Default: real time. Pass a ManualClock
   * to move time explicitly (`clock.advance(ms)`).
   */
  readonly clock?: Clock;
  /** Revisions of history kept for watches before automatic compaction (default 10,000). */
  readonly historyRevisions?: number;
}

/**
 * A complete registry in memory with etcd's semantics: revisions, transactions, leases that
 * expire on the injected clock, watches that resume from a revision (and `resync` once
 * compacted), fencing. Nothing is persisted.
 */
export class InMemoryRegistry extends KvRegistry {
  private readonly memory: MemoryKv;

  constructor(opts: InMemoryRegistryOptions = {}) {
    const kv = new MemoryKv({
      clock: opts.clock ?? systemClock,
      ...(opts.maxRequestBytes === undefined ? {} : { maxRequestBytes: opts.maxRequestBytes }),
      ...(opts.historyRevisions === undefined ? {} : { historyRevisions: opts.historyRevisions }),
    });
    super(kv, opts);
    this.memory = kv;
  }

  /**
   * Fault controls and call counts of the store under this registry: `setUnavailable(true)` makes
   * every call fail with a retryable UnavailableError naming `memory`, `failNext(op, err)` fails
   * one call, `calls` counts the store's calls and the keys they read.
   */
  get faults(): KvFaults {
    return this.memory.faults;
  }

  /** Drops watch history before `revision`, as etcd's compaction does. */
  compact(revision: string): Promise<void> {
    return this.memory.compact(BigInt(revision));
  }
}
