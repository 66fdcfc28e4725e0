// The registry's roles: each loop is typed with the slice of the port it may use, so that "the API
// does not schedule" and "an agent only reads its own assignments" are compile-time facts, not
// review notes (fleet split its Registry the same way). KvRegistry implements every role; the
// methods' contracts are documented once, on Registry.
import type { Registry } from './registry.js';

/** What the HTTP API may do: unit CRUD, reads of the cluster, dynamic metadata. It never schedules. */
export type UnitStore = Pick<
  Registry,
  | 'createUnit'
  | 'replaceUnit'
  | 'setDesiredState'
  | 'destroyUnit'
  | 'unitEpoch'
  | 'applyUnits'
  | 'getUnit'
  | 'listUnits'
  | 'listAssignments'
  | 'getPlacement'
  | 'listMachines'
  | 'listUnitStates'
  | 'setMachineMetadata'
  | 'setMachineAdmin'
  | 'listMachineAdmin'
  | 'getLeader'
  | 'listRollouts'
  | 'getRollout'
  | 'setRolloutState'
  | 'getContents'
  | 'appendEvents'
  | 'listEvents'
  | 'watchEvents'
  | 'getMaintenance'
  | 'enterMaintenance'
  | 'exitMaintenance'
  | 'setMaintenanceLimit'
>;

/** What the elected engine may do: read desired state and machines, campaign, write fenced. */
export type EngineStore = Pick<
  Registry,
  | 'campaign'
  | 'getLeader'
  | 'watchLeader'
  | 'listUnits'
  | 'listMachines'
  | 'listAssignments'
  | 'watchUnits'
  | 'watchMachines'
  | 'listMachineAdmin'
  | 'watchMachineAdmin'
  | 'watchAssignments'
  | 'getContentsMany'
  | 'applyAssignments'
  | 'setUnitReason'
  | 'listUnitStates'
  | 'listRollouts'
  | 'getRollout'
  | 'watchRollouts'
  | 'putRollout'
  | 'finishRollout'
  | 'revertUnits'
  | 'appendEvents'
  | 'trimEvents'
>;

/** What a machine's agent may do: register itself and read what is assigned to it. */
export type AgentStore = Pick<
  Registry,
  'registerMachine' | 'listAssignments' | 'watchAssignments' | 'getContentsMany' | 'appendEvents'
>;
