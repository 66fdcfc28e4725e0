export { freePort, freePorts } from './ports.js';
export { waitFor, sleep, WaitTimeoutError, type WaitOptions } from './wait.js';
export { spawnTracked, liveProcesses, TrackedProcess } from './process.js';
export { EtcdCluster, EtcdMember, type EtcdOptions } from './etcd.js';
export { TcpProxy } from './proxy.js';
export { overriding } from './override.js';
export * from './chaos/index.js';
