// @fleet/sim: many simulated fleetds (the real agent and engine over FakeSystemd) against a
// real etcd, in a few processes, for benchmarks and large-scale tests. Not used by fleetd.
export { Simulation, type SimulationOptions, type SimulationStats } from './simulation.js';
export { ClusterObserver } from './observer.js';
export { simMachine, simUnitName, simUnitOptions } from './machines.js';
export { requestDelta, scrapeEtcdRequests, type EtcdRequestCounts } from './etcd-metrics.js';
export type { AgentsStats, ClientMode, EngineStats, SimMachine } from './protocol.js';
