// Opt-in self-fencing (`agent_self_fence`): a machine whose lease has gone unrenewed for
// nearly its TTL stops its non-global units before the engine can start them elsewhere.
import type { AgentStore, MachineSession } from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { UnitFileInfo, SystemdUnitStatus } from '@fleet/systemd';
import { fleetRequirements } from '@fleet/unit';

/** systemd active states of a unit that runs (or is about to). */
const RUNNING: ReadonlySet<string> = new Set(['active', 'activating', 'reloading']);

/**
 * When a machine that last had a renewal of its lease acknowledged at `lastRenewedAt` fences
 * itself: a safety margin (TTL/5, at least 1 s) before the lease can expire. The renewal's send
 * time is used, so the lease cannot have been extended past this by a later, unacknowledged one.
 */
export function selfFenceAt(lastRenewedAt: number, ttlSeconds: number): number {
  const ttlMs = ttlSeconds * 1000;
  return lastRenewedAt + ttlMs - Math.max(1_000, ttlMs / 5);
}

/**
 * Which unit files are global (`[X-Fleet] Global=true`), by content hash. Learned from the
 * registry while it answers, so that a machine cut from etcd still knows which units to keep.
 */
export class GlobalUnits {
  private readonly byHash = new Map<string, boolean>();

  /** Forgets the files no longer on the machine and learns the new ones. Throws as `learn`. */
  async sync(
    files: readonly UnitFileInfo[],
    registry: Pick<AgentStore, 'getContentsMany'>,
  ): Promise<void> {
    this.keepOnly(new Set(files.flatMap((f) => (f.hash === undefined ? [] : [f.hash]))));
    await this.learn(files, registry);
  }

  /** Looks up the contents of files not seen yet. Throws what the registry throws. */
  async learn(
    files: readonly { readonly name: string; readonly hash?: string }[],
    registry: Pick<AgentStore, 'getContentsMany'>,
  ): Promise<void> {
    const unknown = files.filter(
      (f): f is { name: string; hash: string } => f.hash !== undefined && !this.byHash.has(f.hash),
    );
    if (unknown.length === 0) return;
    const contents = await registry.getContentsMany([...new Set(unknown.map((f) => f.hash))]);
    for (const f of unknown) {
      const options = contents.get(f.hash);
      if (options !== undefined) this.byHash.set(f.hash, fleetRequirements(f.name, options).global);
    }
  }

  /** True or false once learned; `undefined` if the contents were never read. */
  isGlobal(hash: string | undefined): boolean | undefined {
    return hash === undefined ? undefined : this.byHash.get(hash);
  }

  /** Forgets hashes no longer on the machine. */
  keepOnly(hashes: ReadonlySet<string>): void {
    for (const h of this.byHash.keys()) if (!hashes.has(h)) this.byHash.delete(h);
  }
}

/**
 * What the self-fence stops: every running unit whose file is not known to be global (a unit whose
 * contents were never read is stopped too: the fence errs towards one copy). Sorted by name.
 */
export function unitsToFence(
  files: readonly UnitFileInfo[],
  states: ReadonlyMap<string, SystemdUnitStatus>,
  globals: GlobalUnits,
): string[] {
  return files
    .filter((f) => globals.isGlobal(f.hash) !== true)
    .filter((f) => RUNNING.has(states.get(f.name)?.active ?? 'inactive'))
    .map((f) => f.name)
    .sort();
}

/**
 * The self-fence's state in the agent's loop: whether it is on, and whether the machine is fenced
 * now (entered when the latest session's lease is due, lifted once a renewal or a registration
 * shows). Logs entering and lifting once each.
 */
export class SelfFence {
  private fencedNow = false;

  constructor(
    private readonly enabled: boolean,
    private readonly ttlSeconds: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Fenced since the lease went unrenewed. */
  get fenced(): boolean {
    return this.fencedNow;
  }

  /** Whether the lease of `session` (the latest, even a lost one) is due to be fenced. */
  due(session: MachineSession | undefined): boolean {
    if (!this.enabled || session === undefined) return false;
    return this.clock.monotonic() >= selfFenceAt(session.lastRenewedAt(), this.ttlSeconds);
  }

  /** Enters the fence (logged the first time); the caller then stops the non-global units. */
  enter(session: MachineSession | undefined): void {
    if (this.fencedNow || session === undefined) return;
    this.fencedNow = true;
    this.log.warn(
      {
        silentMs: this.clock.monotonic() - session.lastRenewedAt(),
        ttlSeconds: this.ttlSeconds,
      },
      'machine lease not renewed; self-fence: stopping every non-global unit (agent_self_fence)',
    );
  }

  /** The lease is renewed: the fence (if any) is lifted. */
  lift(): void {
    if (this.fencedNow) this.log.info({}, 'machine lease renewed; self-fence lifted');
    this.fencedNow = false;
  }

  /** `waitMs`, shortened so the loop wakes when the lease of `session` becomes due. */
  wakeBy(session: MachineSession | undefined, waitMs: number): number {
    if (!this.enabled || session === undefined || this.fencedNow) return waitMs;
    const dueIn = selfFenceAt(session.lastRenewedAt(), this.ttlSeconds) - this.clock.monotonic();
    return Math.min(waitMs, Math.max(1, dueIn));
  }
}
