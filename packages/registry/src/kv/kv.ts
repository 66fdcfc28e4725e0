// The store under the registry: the subset of etcd v3 the registry uses, as a port with two
// implementations (EtcdKv on a real etcd, MemoryKv in process). Keys and values are strings;
// revisions, versions and lease IDs are bigints.
import type { Clock } from '@fleet/runtime';

/** One stored key. `lease` is 0n when the key has none. */
export interface KvRecord {
  readonly key: string;
  readonly value: string;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly version: bigint;
  readonly lease: bigint;
}

/** A comparison on one key, or (with `rangeEnd`) on every key in `[key, rangeEnd)`. */
export type KvCompare =
  | {
      readonly key: string;
      readonly rangeEnd?: string;
      readonly target: 'create' | 'mod' | 'version' | 'lease';
      readonly op: '==' | '!=' | '<' | '>';
      readonly value: bigint;
    }
  | {
      readonly key: string;
      readonly rangeEnd?: string;
      readonly target: 'value';
      readonly op: '==' | '!=' | '<' | '>';
      readonly value: string;
    };

/** One operation of a transaction. */
export type KvOp =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: bigint }
  | { readonly type: 'delete'; readonly key: string; readonly rangeEnd?: string }
  | { readonly type: 'range'; readonly key: string; readonly rangeEnd?: string }
  | { readonly type: 'txn'; readonly txn: KvTxn };

/** etcd's If/Then/Else: all compares (a conjunction) choose `success` or `failure`. */
export interface KvTxn {
  readonly compare: readonly KvCompare[];
  readonly success: readonly KvOp[];
  readonly failure: readonly KvOp[];
  /** For a read-only transaction, as {@link KvRangeRequest.staleOk}. */
  readonly staleOk?: boolean;
}

/** The result of one op, in the order the ops were given. */
export type KvOpResult =
  | { readonly type: 'range'; readonly kvs: readonly KvRecord[] }
  | { readonly type: 'put' }
  | { readonly type: 'delete'; readonly deleted: number }
  | { readonly type: 'txn'; readonly succeeded: boolean; readonly results: readonly KvOpResult[] };

/** A committed transaction. */
export interface KvTxnResult {
  readonly succeeded: boolean;
  /** The store's revision after the transaction (its own revision if it wrote). */
  readonly revision: bigint;
  readonly results: readonly KvOpResult[];
  /**
   * True if an earlier attempt of this call failed in a way that may have committed it
   * (the transaction may have been applied twice; compares make that visible).
   */
  readonly retried: boolean;
}

/** A paged range read. */
export interface KvRangeRequest {
  readonly key: string;
  readonly rangeEnd?: string;
  /** Read at this revision (0n or absent: latest). */
  readonly revision?: bigint;
  /** At most this many keys (absent: all). */
  readonly limit?: number;
  /**
   * After a transient failure, read the answering member's own copy (etcd's serializable read),
   * which needs no etcd leader: API reads stay answered during an etcd election, possibly a
   * little behind, as fleet's etcd v2 reads were. Never for the engine's or agents' reads.
   */
  readonly staleOk?: boolean;
}

/** Keys in order, whether more follow, and the revision read at. */
export interface KvRangeResult {
  readonly kvs: readonly KvRecord[];
  readonly more: boolean;
  readonly revision: bigint;
}

/** A granted lease, kept alive until revoked or `stopRenewing` is called. */
export interface KvLease {
  readonly id: bigint;
  readonly ttlSeconds: number;
  /** Aborted when the lease is known to be gone (expired, revoked, or given up on). */
  readonly lost: AbortSignal;
  /**
   * `clock.monotonic()` at which the latest acknowledged renewal (or the grant) was sent: the
   * lease lives at least TTL after it. Monotonic, so an NTP step neither ends nor extends it.
   */
  lastRenewedAt(): number;
  /**
   * True once the store is known to have dropped the lease (it expired, or a revoke succeeded):
   * there is nothing left to revoke. False while it may still exist, even after `lost` fired
   * because renewals were given up on.
   */
  gone(): boolean;
  /** Calls `fn` after every acknowledged renewal. */
  onRenewed(fn: () => void): void;
  /**
   * Revokes the lease: its keys are deleted at once. Idempotent; transient failures are retried,
   * and a lease the store no longer has counts as revoked. Rejects if the store could not be
   * told (then `gone()` stays false).
   */
  revoke(): Promise<void>;
  /** Stops renewing without revoking (as a paused process would): keys expire after the TTL. */
  stopRenewing(): void;
}

/** A change seen by a watch. Deletes carry the key and the deleting revision. */
export type KvEvent =
  | { readonly type: 'put'; readonly kv: KvRecord }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: bigint };

/** Receives a watch's changes, in revision order. */
export interface KvWatchListener {
  /** One or more changes (all of one revision, or several in order). */
  events(events: readonly KvEvent[]): void;
  /** The history needed is compacted: the watch has ended, the caller must re-list. */
  resync(reason: string): void;
  /** A recoverable problem the watch recovered from (for logs). */
  restarted?(error: unknown): void;
}

/** A running watch. */
export interface KvWatch {
  close(): Promise<void>;
}

/** The store port. Errors are RegistryErrors (UnavailableError, LeaseExpiredError, ...). */
export interface Kv {
  readonly clock: Clock;
  /** Where the store is, for error messages (etcd endpoints, or `memory`). */
  readonly endpoints: readonly string[];
  txn(txn: KvTxn): Promise<KvTxnResult>;
  range(req: KvRangeRequest): Promise<KvRangeResult>;
  /**
   * Grants a lease kept alive every `renewEveryMs` (default TTL/3): the engine's leadership
   * renews more often than a machine's presence, so that an etcd election does not fence it.
   */
  grantLease(ttlSeconds: number, renewEveryMs?: number): Promise<KvLease>;
  /** Revokes a lease by ID, whoever granted it: its keys are deleted. A missing lease is fine. */
  revokeLease(id: bigint): Promise<void>;
  /** Watches `[key, rangeEnd)` for changes with revision > `afterRevision`. */
  watch(key: string, rangeEnd: string, afterRevision: bigint, listener: KvWatchListener): KvWatch;
  /** Drops history before `revision` (etcd's compaction). */
  compact(revision: bigint): Promise<void>;
  close(): Promise<void>;
}
