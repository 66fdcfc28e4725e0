export { Engine, type EngineOptions } from './engine.js';
export { ClusterCache, type ChangeKind } from './cluster-cache.js';
export { reconcileOnce, type PassResult } from './reconcile.js';
export { newMetrics, type EngineMetrics } from './metrics.js';
