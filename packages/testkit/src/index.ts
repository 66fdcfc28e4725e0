export { freePort, freePorts } from './ports.js';
export {
  realTime,
  sleep,
  waitFor,
  WaitTimeoutError,
  type WaitOptions,
  type WaitTime,
} from './wait.js';
export { spawnTracked, liveProcesses, TrackedProcess } from './process.js';
export {
  EtcdCluster,
  EtcdMember,
  TEST_COMPACTION,
  TEST_QUOTA_BYTES,
  type EtcdCompaction,
  type EtcdOptions,
} from './etcd.js';
export { CLIENT_CN, makeEtcdTls, type EtcdTlsFiles } from './etcd-tls.js';
export { FLEET_USER, prefixRangeEnd, type EtcdAuth, type EtcdAuthOptions } from './etcd-auth.js';
export { TcpProxy } from './proxy.js';
export { overriding } from './override.js';
export * from './chaos/index.js';
export { baselineWorktree, type BaselineWorktree } from './worktree.js';
