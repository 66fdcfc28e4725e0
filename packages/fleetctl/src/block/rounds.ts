// One read of the cluster per poll for every unit being waited on: the units' polls run in step
// (each sleeps the same interval after its check), and the first to reach poll k fetches the
// listing that every other unit's poll k shares. Waiting on N units costs one listing per poll,
// not N requests.
import type { FleetClient, WireUnit, WireUnitState } from '@fleet/client';

export { LIST_FROM } from '../units/batch.js';

/** Polls kept back for units a little behind the others (bounds memory on endless waits). */
const KEEP_POLLS = 4;

/** A fetch shared by every unit's poll of the same number. */
export class Rounds<T> {
  private readonly polls = new Map<number, Promise<T>>();

  constructor(private readonly fetch: () => Promise<T>) {}

  /** The view for poll `poll` (fetched by the first unit to ask). */
  get(poll: number): Promise<T> {
    let view = this.polls.get(poll);
    if (view === undefined) {
      view = this.fetch();
      this.polls.set(poll, view);
      this.polls.delete(poll - KEEP_POLLS);
    }
    return view;
  }
}

/** Units by name, and (when asked for) every published unit state. */
export interface ClusterView {
  readonly units: ReadonlyMap<string, WireUnit>;
  readonly states: readonly WireUnitState[];
}

/** Reads the listing of `names`, and their states when `withStates`, at once. */
export async function readCluster(
  api: FleetClient,
  names: readonly string[],
  withStates: boolean,
): Promise<ClusterView> {
  const [units, states] = await Promise.all([
    api.listUnits({ names }),
    withStates ? api.listUnitStates({ names }) : Promise.resolve([]),
  ]);
  return { units: new Map(units.map((u) => [u.name, u])), states };
}

/** The published states of `name`, from a state listing. */
export function statesOf(states: readonly WireUnitState[], name: string): WireUnitState[] {
  return states.filter((s) => s.name === name);
}
