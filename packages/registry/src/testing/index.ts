// @fleet/registry/testing: what tests of this package and of others reuse. The Registry contract
// suite and the Kv contract suite (run them against any implementation), builders of units and
// machines, raw store access for a harness, and `stall`. Imports vitest and @fleet/testkit (peer
// dependencies); never re-exported from the main entry.
export { registryContract } from './contract/contract.js';
export type { ContractHarness, HarnessFactory } from './contract/contract.js';
export { collector, eventually, machine, options, rejectsWith, unit } from './contract/harness.js';
export { rawAccess } from './contract/raw.js';
export { kvContract } from './kv.contract.js';
export { stall } from './stall.js';
export type { KvHarness } from './kv.contract.js';
