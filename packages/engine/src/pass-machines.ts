import type { SnapshotMachine } from '@fleet/scheduler';
import type { MachineHistory } from './machine-history.js';
import type { SuspectMachines } from './suspects.js';

/**
 * The machines as a pass plans on them: the live ones (a suspect as a ghost: it keeps what it has
 * and takes nothing new, see suspects.ts), then the machines that hold assignments but are not
 * live. With `ghosts` (a new leader's grace), those not seen live this term are ghosts (all their
 * units stay where they are); the others are away (they keep their global units) until they have
 * been missing for `awayMs`, then gone.
 */
export function passMachines(
  live: ReadonlyMap<string, SnapshotMachine>,
  holders: readonly string[],
  history: MachineHistory,
  suspects: SuspectMachines | undefined,
  { ghosts, awayMs }: { ghosts: boolean; awayMs: number },
): SnapshotMachine[] {
  const machines: SnapshotMachine[] = [...live.values()].map((m) =>
    suspects?.has(m.id) === true ? { ...m, ghost: true } : m,
  );
  const unseen = holders.filter((id) => !live.has(id) && !history.seenLive(id));
  const died = suspects?.diedAlone(unseen);
  for (const id of holders) {
    if (live.has(id)) continue;
    if (ghosts && !history.seenLive(id) && id !== died)
      machines.push({ id, metadata: {}, ghost: true });
    else if (history.missingFor(id) < awayMs) machines.push({ id, metadata: {}, away: true });
  }
  return machines;
}
