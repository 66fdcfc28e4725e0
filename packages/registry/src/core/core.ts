// What every registry operation needs: the store, the key layout, the limits and the
// issue reporter. One Core per registry instance.
import { decode, type DecodeResult } from '../codec.js';
import type { Keys } from '../keys.js';
import type { Kv, KvRecord } from '../kv/kv.js';
import type { RegistryIssue } from '../types.js';
import { ContentCache } from './content-cache.js';
import type { z } from 'zod';

/** Tunables shared by both registries. */
export interface CoreLimits {
  /** etcd's `--max-request-bytes` (default 1.5 MiB): larger units are refused up front. */
  readonly maxRequestBytes: number;
  /** Ops per transaction for batched writes (etcd's `--max-txn-ops` is 128). */
  readonly maxOpsPerTxn: number;
  /** Keys per range request when listing. */
  readonly pageSize: number;
  /** Attempts of an optimistic read-modify-write before ConflictError. */
  readonly maxCasAttempts: number;
}

export const DEFAULT_LIMITS: CoreLimits = {
  maxRequestBytes: 1.5 * 1024 * 1024,
  maxOpsPerTxn: 100,
  pageSize: 1000,
  maxCasAttempts: 20,
};

/** The registry's working context. */
export class Core {
  /**
   * Unit contents by hash (immutable, so never stale), bounded by bytes: 64 MiB holds a
   * 10,000-unit cluster of typical units (about 1-2 KiB each on the heap) many times over, so the
   * leader's periodic resync reads no contents it has seen, while large units cannot pin GiBs.
   */
  readonly contents: ContentCache;
  /** Whether this registry has checked for a fresh store's placement index (assignments.ts). */
  placementsChecked = false;

  constructor(
    readonly kv: Kv,
    readonly keys: Keys,
    readonly limits: CoreLimits,
    private readonly reporter: (issue: RegistryIssue) => void,
    contentCacheBytes?: number,
  ) {
    this.contents = new ContentCache(contentCacheBytes);
  }

  report(issue: RegistryIssue): void {
    try {
      this.reporter(issue);
    } catch {
      // A failing reporter must not break a read.
    }
  }

  /** Decodes a stored record, reporting (and returning undefined for) a corrupt one. */
  decode<T>(schema: z.ZodType<T>, rec: KvRecord): T | undefined {
    const r: DecodeResult<T> = decode(schema, rec.value);
    if (r.ok) return r.value;
    this.report({ kind: 'corrupt-record', key: rec.key, detail: r.detail });
    return undefined;
  }

  /** Reports a record that decoded but contradicts its key or its neighbours. */
  corrupt(key: string, detail: string): undefined {
    this.report({ kind: 'corrupt-record', key, detail });
    return undefined;
  }
}
