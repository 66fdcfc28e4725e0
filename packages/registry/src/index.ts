// @fleet/registry: fleet's cluster state in etcd v3, and an in-memory twin held to the
// same contract. May import @fleet/unit; must not import scheduler, engine, agent or api.
export type { Leadership, MachineSession, RegisterOptions, Registry, Watch } from './registry.js';
export type { AgentStore, EngineStore, UnitStore } from './roles.js';
export type {
  ApplyResult,
  Assignment,
  AssignmentEvent,
  AssignmentOp,
  FencingToken,
  JsonValue,
  LeaderEvent,
  LeaderInfo,
  Listing,
  Machine,
  MachineEvent,
  MachineRecord,
  MetadataChange,
  RegistryIssue,
  ResyncEvent,
  Revision,
  StoredMachineRecord,
  Unit,
  UnitApply,
  UnitApplyResult,
  UnitEvent,
  UnitHead,
  UnitHealth,
  UnitInput,
  UnitState,
  UnitStateInput,
} from './types.js';
export type {
  CopyPhase,
  Rollout,
  RolloutCopy,
  RolloutEvent,
  RolloutInput,
  RolloutPolicy,
  RolloutRecords,
  RolloutState,
  UnitRevert,
} from './rollout-types.js';
export { EVENT_KINDS, MAX_EVENT_MESSAGE_BYTES } from './event-types.js';
export { BufferedEventSink, fitEventMessage, noEvents } from './event-sink.js';
export type { BufferedEventSinkOptions, EventSink } from './event-sink.js';
export type {
  ClusterEvent,
  EventInput,
  EventKind,
  EventLog,
  EventRetention,
  EventWatchEvent,
  ListEventsOptions,
} from './event-types.js';
export {
  AccessDeniedError,
  ClosedError,
  CompactedError,
  ConflictError,
  CorruptRecordError,
  InvalidInputError,
  isRegistryError,
  LeaseExpiredError,
  MachineExistsError,
  NotLeaderError,
  RegistryError,
  RolloutNotFoundError,
  RolloutStateError,
  SessionLostError,
  StaleRevisionError,
  StoreRejectedError,
  UnavailableError,
  UnitExistsError,
  UnitNotFoundError,
  UnitTooLargeError,
} from './errors.js';
export type { CauseOptions, RegistryErrorCode } from './errors.js';
export { DEFAULT_PREFIX, Keys, normalizeKeyPrefix } from './keys.js';
export type { KeyRange, ParsedKey } from './keys.js';
export type {
  Kv,
  KvCompare,
  KvEvent,
  KvLease,
  KvOp,
  KvOpResult,
  KvRangeRequest,
  KvRangeResult,
  KvRecord,
  KvTxn,
  KvTxnResult,
  KvWatch,
  KvWatchListener,
} from './kv/kv.js';
export { KvRegistry } from './kv-registry.js';
export type { RegistryOptions } from './kv-registry.js';
export { InMemoryRegistry } from './inmemory-registry.js';
export type { InMemoryRegistryOptions } from './inmemory-registry.js';
export type { FailableKvCall, KvCallName, KvCalls, KvFaults } from './kv/memory-faults.js';
export type { RolloutRegistry } from './rollout-registry.js';
export type { MaintenanceRegistry } from './maintenance-types.js';
export type {
  Maintenance,
  MaintenanceEnterResult,
  MaintenanceHolder,
} from './maintenance-types.js';
export type { MachineAdminRegistry } from './machine-admin-registry.js';
export type {
  MachineAdmin,
  MachineAdminEvent,
  MachineAdminInput,
  MachineAdminState,
} from './machine-admin-types.js';
