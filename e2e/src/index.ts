export { ensureRootfs, cacheDir, ROOTFS_NAME } from './rootfs.js';
export { NspawnMachine, type MachineOptions, type BootedState } from './machine.js';
export { bootMachines, Machines, type BootOptions } from './machines.js';
export { isAlive, processId, type ProcessId } from './proc.js';
export { run, runOk, type RunResult } from './run.js';
export {
  activeCopies,
  activeOn,
  configureFleet,
  installFleet,
  installPackage,
  fleetClient,
  sh,
  unitProperty,
  type FleetInstall,
} from './fleet.js';
export { fleetDeb, sourceHash } from './fleet-deb.js';
export { Cluster, type ClusterOptions } from './cluster.js';
export { loopUnit } from './faults.js';
export {
  FLEETCTL_MAIN,
  runFleetctl,
  SshAgent,
  FleetctlSeat,
  tableCells,
  cellStarts,
  type FleetctlRunOptions,
} from './fleetctl.js';
