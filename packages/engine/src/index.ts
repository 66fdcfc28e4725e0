export { Engine, type EngineOptions } from './engine.js';
export { ClusterCache, type ChangeKind } from './cluster-cache.js';
export { reconcileOnce, type PassResult } from './reconcile.js';
export { newMetrics, noPassPhases, type EngineMetrics, type PassPhases } from './metrics.js';
export { RolloutController, type RolloutOptions } from './rollouts.js';
