export { planCluster, type PlanOptions } from './plan.js';
export { oneTaskPerAssignment, type GuardedTasks } from './guard.js';
export { GlobCache, type GlobMatcher } from './globs.js';
export { Reason } from './reasons.js';
export {
  machineIdMatches,
  machineIdFilter,
  metadataFilter,
  machineOfFilter,
  conflictsFilter,
  replacedByFilter,
  summarize,
  type Filter,
  type Rejection,
} from './filters.js';
export type {
  Plan,
  Snapshot,
  SnapshotAssignment,
  SnapshotMachine,
  SnapshotUnit,
  Task,
  Waiting,
} from './types.js';
export {
  planAgent,
  adoptLaunched,
  AgentReason,
  type AgentCurrent,
  type AgentDesired,
  type AgentSnapshot,
  taskUnit,
  type AgentTask,
  type AgentTaskKind,
  type ReloadTask,
  type UnitTask,
} from './agent-plan.js';
export { Planner } from './planner.js';
export { stepRollout } from './rollout.js';
export { RolloutReason } from './rollout-health.js';
export {
  isOpen,
  OPEN_STATES,
  type CopyPhase,
  type CopyRef,
  type RolloutAssignment,
  type RolloutCopy,
  type RolloutLogEvent,
  type RolloutEventKind,
  type RolloutInput,
  type RolloutRecord,
  type RolloutState,
  type RolloutStep,
  type RolloutUnit,
  type RolloutUnitState,
} from './rollout-types.js';
export { gatedHash, ungated, type ContentGate } from './content-gate.js';
export { DrainReason, noDrain, type DrainGate } from './plan-drain.js';
export {
  stepDrain,
  type DrainInput,
  type DrainMove,
  type DrainStep,
  type DrainUnit,
} from './drain-step.js';
