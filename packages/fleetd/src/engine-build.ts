// The daemon's engine: fleet's engine with this fleetd's timings, cluster events, and rolling
// updates (docs/deploys.md): a changed unit reaches its group's copies in waves, with health
// gates and rollback, while this engine leads.
import { Engine, RolloutController } from '@fleet/engine';
import type { EventSink, Registry } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { FleetdConfig } from './config.js';
import { engineTimings } from './engine-timings.js';

/** The engine of this fleetd, or `undefined` with `disable_engine`. */
export function buildEngine(
  config: Pick<FleetdConfig, 'agentTtl' | 'engineReconcileInterval' | 'disableEngine'>,
  deps: {
    readonly registry: Registry;
    readonly machineId: string;
    readonly events: EventSink;
    readonly clock: Clock;
    readonly log: Logger;
  },
): Engine | undefined {
  if (config.disableEngine) return undefined;
  const { registry, events, clock, log } = deps;
  const rollouts = new RolloutController({
    registry,
    clock,
    logger: log.child({ component: 'rollouts' }),
    onRolloutEvent: (e) => events.emit(e),
  });
  const engine = new Engine({
    registry,
    candidateId: deps.machineId,
    events,
    clock,
    logger: log,
    ...engineTimings(config),
    rollouts,
  });
  engine.metrics.rolloutStates = () => rollouts.openByState();
  return engine;
}
