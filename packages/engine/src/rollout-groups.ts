// What a rollout step reads about its groups: the groups' units (with the Update* settings and
// health check of their contents), assignments and published unit states, from the leader's cache
// and the registry.
import type { EngineStore, RolloutInput, UnitState } from '@fleet/registry';
import type {
  RolloutAssignment,
  RolloutRecord,
  RolloutUnit,
  RolloutUnitState,
} from '@fleet/scheduler';
import {
  groupOf,
  HEALTH_CHECK_KEYS,
  rolloutPolicy,
  X_FLEET_SECTION,
  type RolloutPolicy,
} from '@fleet/unit';
import type { ClusterCache } from './cluster-cache.js';

/** One group's units and assignments, as the cache holds them. */
export interface GroupView {
  readonly units: RolloutUnit[];
  readonly assignments: RolloutAssignment[];
}

/** Keys whose presence means a unit has a health check (a command or a URL). */
const CHECK_KEYS = new Set(HEALTH_CHECK_KEYS.filter((k) => !k.endsWith('Sec')));

/** The settings read from one unit contents. */
interface Settings {
  readonly policy: RolloutPolicy;
  readonly healthCheck: boolean;
}

/** Reads groups for the rollout steps; remembers each contents' settings (by hash). */
export class RolloutGroups {
  private settings = new Map<string, Settings>();

  constructor(private readonly registry: Pick<EngineStore, 'getContentsMany' | 'listUnitStates'>) {}

  /**
   * The views of `groups` from the cache, in one scan of its units and assignments. Units whose
   * contents cannot be read (destroyed meanwhile) are left out: the watch says so and the next
   * tick reads again.
   */
  async views(cache: ClusterCache, groups: ReadonlySet<string>): Promise<Map<string, GroupView>> {
    const { units, assignments } = cache.rolloutView();
    const heads: [string, { hash: string; desiredState: RolloutUnit['desiredState'] }, string][] =
      [];
    for (const [name, head] of units) {
      const group = groupOf(name);
      if (groups.has(group)) heads.push([name, head, group]);
    }
    await this.read(heads.map(([, h]) => h.hash));
    const out = new Map<string, GroupView>();
    const member = new Map<string, GroupView>();
    for (const [name, head, group] of heads) {
      const s = this.settings.get(head.hash);
      if (s === undefined) continue;
      let view = out.get(group);
      if (view === undefined) out.set(group, (view = { units: [], assignments: [] }));
      view.units.push({ name, hash: head.hash, desiredState: head.desiredState, ...s });
      member.set(name, view);
    }
    for (const a of assignments) {
      const { unit, machineId, hash } = a;
      member.get(unit)?.assignments.push({ unit, machineId, hash });
    }
    return out;
  }

  /** The published states of the view's assigned units, read unit by unit. */
  async states(view: GroupView): Promise<RolloutUnitState[]> {
    const names = [...new Set(view.assignments.map((a) => a.unit))];
    const lists = await Promise.all(
      names.map((unitName) => this.registry.listUnitStates({ unitName })),
    );
    return lists.flatMap((l) => l.items.map(stateOf));
  }

  /** Forgets the settings of contents no group uses any more (called when nothing rolls). */
  forget(): void {
    this.settings = new Map();
  }

  private async read(hashes: readonly string[]): Promise<void> {
    const missing = [...new Set(hashes)].filter((h) => !this.settings.has(h));
    if (missing.length === 0) return;
    const contents = await this.registry.getContentsMany(missing);
    for (const [hash, options] of contents) {
      const healthCheck = options.some(
        (o) => o.section === X_FLEET_SECTION && CHECK_KEYS.has(o.name) && o.value.trim() !== '',
      );
      this.settings.set(hash, { policy: rolloutPolicy(options), healthCheck });
    }
  }
}

/** A published state as the step reads it (its health check's result, if the agent sent one). */
function stateOf(s: UnitState): RolloutUnitState {
  const { unit, machineId, hash, activeState, subState } = s;
  const health = (s as { health?: RolloutUnitState['health'] }).health;
  const out = { unit, machineId, hash, activeState, subState };
  return health === undefined ? out : { ...out, health };
}

/** A record as the registry takes it (without the store's revision). */
export function inputOf(r: RolloutRecord): RolloutInput {
  const { revision: _revision, ...input } = r;
  return input;
}
