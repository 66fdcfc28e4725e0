import type { Assignment, AssignmentEvent, Registry, Watch } from '@fleet/registry';

/**
 * This machine's assignments, kept current by one list and a watch on the machine's own prefix
 * (so a change elsewhere in the cluster never wakes this agent). `onChange` is called after every
 * change; a `resync` from the watch (compacted history) re-lists.
 */
export class AssignmentView {
  private readonly byUnit = new Map<string, Assignment>();
  private watch: Watch | undefined;
  private closed = false;

  constructor(
    private readonly registry: Registry,
    private readonly machineId: string,
    private readonly onChange: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Lists and starts watching. Throws what the registry throws (the caller retries). */
  async start(): Promise<void> {
    const list = await this.registry.listAssignments(this.machineId);
    if (this.closed) return;
    this.byUnit.clear();
    for (const a of list.items) this.byUnit.set(a.unit, a);
    await this.watch?.close();
    this.watch = this.registry.watchAssignments(this.machineId, list.revision, (e) =>
      this.onEvent(e),
    );
    this.onChange();
  }

  /** The desired units of this machine, sorted by name. */
  desired(): Assignment[] {
    return [...this.byUnit.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
  }

  private onEvent(e: AssignmentEvent): void {
    if (e.type === 'resync') {
      this.start().catch(this.onError);
      return;
    }
    if (e.type === 'put') this.byUnit.set(e.assignment.unit, e.assignment);
    else this.byUnit.delete(e.unit);
    this.onChange();
  }
}
