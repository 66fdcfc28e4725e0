// Raw store access for contract harnesses: planting corrupt records, checking the layout.
import type { Core } from '../../core/core.js';
import type { KvRegistry } from '../../kv-registry.js';
import { prefixEnd } from '../../keys.js';

/** The Core behind a registry of this package (tests only). */
export function coreOf(registry: KvRegistry): Core {
  return (registry as unknown as { core: Core }).core;
}

/** putRaw / rawKeys / compact over a registry's own store. */
export function rawAccess(registry: KvRegistry): {
  putRaw(relativeKey: string, value: string): Promise<void>;
  rawKeys(relativePrefix: string): Promise<string[]>;
  compact(): Promise<void>;
} {
  const core = coreOf(registry);
  const prefix = core.keys.prefix;
  return {
    async putRaw(relativeKey, value) {
      await core.kv.txn({
        compare: [],
        success: [{ type: 'put', key: prefix + relativeKey, value }],
        failure: [],
      });
    },
    async rawKeys(relativePrefix) {
      const start = prefix + relativePrefix;
      const res = await core.kv.range({ key: start, rangeEnd: prefixEnd(start) });
      return res.kvs.map((kv) => kv.key.slice(prefix.length));
    },
    async compact() {
      const res = await core.kv.range({ key: prefix, limit: 1 });
      await core.kv.compact(res.revision);
    },
  };
}
