// @fleet/registry/etcd: the registry on a real etcd v3. The only entry of this package that loads
// etcd3, gRPC and cockatiel, so that what needs only the port, its types, errors and keys (or
// the in-memory twin) does not pay for them. Imported by fleetd (the one constructor of I/O), the
// simulation, e2e and the integration tests.
export { EtcdRegistry } from './etcd-registry.js';
export type { EtcdRegistryOptions } from './etcd-registry.js';
export { EtcdKv } from './kv/etcd-kv.js';
export type { EtcdKvOptions } from './kv/etcd-kv.js';
export type { KvRequestObserver, KvRequestOp } from './kv/etcd-requests.js';
