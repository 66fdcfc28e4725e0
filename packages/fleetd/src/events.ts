// The daemon's event sink: the engine and the agent of this fleetd emit cluster events through
// one BufferedEventSink over the registry (batched, best effort). It is flushed once more when
// fleetd stops, before the registry closes.
import { BufferedEventSink, type EventSink, type Registry } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { ResourceStack } from './resources.js';

/** Opens the sink on `resources` (closed when they unwind, before the registry). */
export function eventSink(
  resources: ResourceStack,
  registry: Pick<Registry, 'appendEvents'>,
  clock: Clock,
  log: Logger,
): Promise<EventSink> {
  return resources.use(
    () => new BufferedEventSink({ store: registry, clock, logger: log }),
    (sink) => sink.close(),
  );
}
