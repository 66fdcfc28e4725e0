// @fleet/systemd/testing: the contract suite and helpers for tests. Imports vitest, so it is
// kept out of the package's main entry.
export {
  ChangeRecorder,
  systemdContract,
  waitForState,
  waitUntil,
  type HarnessTime,
  type SystemdHarness,
  type SystemdHarnessFactory,
} from './contract.js';
export { fakeHarness } from './fake-harness.js';
export { connectionStats, type ConnectionStats } from './bus-stats.js';
export { SocketProxy } from './socket-proxy.js';
