// The registry on etcd v3.
import { KvRegistry, type RegistryOptions } from './kv-registry.js';
import { EtcdKv, type EtcdKvOptions } from './kv/etcd-kv.js';

/** Options of {@link EtcdRegistry}: where etcd is, how patient to be, and the registry options. */
export interface EtcdRegistryOptions extends RegistryOptions, EtcdKvOptions {}

/**
 * fleet's registry on etcd v3 (etcd3 1.1.2). Construction does not connect; the first call
 * does. Calls that cannot reach etcd fail with a retryable UnavailableError naming the
 * endpoints, after a few quick retries (within `retryBudgetMs`).
 */
export class EtcdRegistry extends KvRegistry {
  constructor(opts: EtcdRegistryOptions) {
    super(new EtcdKv(opts), opts);
  }
}
