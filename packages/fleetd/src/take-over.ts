// A restarted fleetd (an in-place restart, a package upgrade) opens its API only once it has
// taken its machine over from the previous fleetd, or after TAKE_OVER_WAIT_MS: until then the
// machine is not registered and the API would answer 503 ("unable to communicate with etcd").
// With fleet.socket the connections made meanwhile wait in the socket's queue and are answered.
import type { Agent, SessionStore } from '@fleet/agent';

/** The longest a restarted fleetd keeps its API closed while it takes its machine over. */
export const TAKE_OVER_WAIT_MS = 5_000;
const POLL_MS = 10;

/**
 * Runs `listen` (opening the API), first starting `agent` and waiting until it is registered
 * (at most TAKE_OVER_WAIT_MS) when a previous fleetd's session is there to take over. If
 * `listen` fails after the agent was started here, the agent is stopped (units keep running).
 */
export async function listenAfterTakeOver<T>(
  agent: Pick<Agent, 'start' | 'stop' | 'registered'>,
  sessions: Pick<SessionStore, 'previous'>,
  machineId: string,
  listen: () => Promise<T>,
): Promise<T> {
  const previous = await sessions.previous(machineId).catch(() => undefined);
  if (previous === undefined) return listen();
  agent.start();
  const until = performance.now() + TAKE_OVER_WAIT_MS;
  while (!agent.registered && performance.now() < until)
    await new Promise((r) => setTimeout(r, POLL_MS));
  try {
    return await listen();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    throw err;
  }
}
