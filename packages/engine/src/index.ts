export { Engine } from './engine.js';
export type { EngineOptions } from './engine-options.js';
export { ClusterCache, type ChangeKind } from './cluster-cache.js';
export { reconcileOnce, type PassResult } from './reconcile.js';
export { newMetrics, noPassPhases, type EngineMetrics, type PassPhases } from './metrics.js';
export {
  DEFAULT_EVENT_TRIM,
  EventfulEngineStore,
  taskEvents,
  type EventTrimOptions,
} from './events.js';
export { RolloutController, type RolloutOptions } from './rollouts.js';
