// A stand-in for the machines' agents in rollout tests: each copy assigned to a machine is
// started when its contents change (activating for `startMs`), then runs as its contents say
// (active, or failed for a bad version), and its state is published through the machine's
// session, as an agent does. Driven by `sync()` from the test's clock loop.
import type { MachineSession, Registry, UnitStateInput } from '@fleet/registry';
import type { Clock } from '@fleet/runtime';

/** How a version behaves once started. */
export type Behaviour = 'ok' | 'fails';

interface Copy {
  hash: string;
  since: number;
  published: string;
}

export class RolloutWorld {
  private readonly copies = new Map<string, Copy>();
  /** hash -> behaviour (default ok). */
  readonly behaviour = new Map<string, Behaviour>();
  /** Every copy (unit on machine) that was ever given a hash, by hash. */
  readonly given = new Map<string, Set<string>>();

  constructor(
    private readonly registry: Pick<Registry, 'listAssignments' | 'listUnitStates'>,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly sessions: readonly MachineSession[],
    private readonly startMs = 2_000,
  ) {}

  /** Acts on the current assignments: starts copies given new contents, publishes changes. */
  async sync(): Promise<void> {
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const a of (await this.registry.listAssignments()).items) {
      const key = `${a.unit} ${a.machineId}`;
      seen.add(key);
      let copy = this.copies.get(key);
      if (copy === undefined || copy.hash !== a.hash) {
        copy = { hash: a.hash, since: now, published: '' };
        this.copies.set(key, copy);
        let on = this.given.get(a.hash);
        if (on === undefined) this.given.set(a.hash, (on = new Set()));
        on.add(key);
      }
      const started = now - copy.since >= this.startMs;
      const bad = this.behaviour.get(a.hash) === 'fails';
      const activeState = !started ? 'activating' : bad ? 'failed' : 'active';
      if (copy.published === activeState) continue;
      const session = this.sessions.find((s) => s.machineId === a.machineId);
      if (session === undefined) continue;
      const state: UnitStateInput = {
        unit: a.unit,
        hash: a.hash,
        loadState: 'loaded',
        activeState,
        subState: activeState === 'active' ? 'running' : activeState,
        state: 'launched',
      };
      await session.publishUnitState(state);
      copy.published = activeState;
    }
    for (const key of [...this.copies.keys()]) if (!seen.has(key)) this.copies.delete(key);
  }

  /** How many copies of units starting with `prefix` systemd reports active (published states). */
  async healthy(prefix: string): Promise<number> {
    const states = (await this.registry.listUnitStates()).items;
    return states.filter((s) => s.unit.startsWith(prefix) && s.activeState === 'active').length;
  }
}
