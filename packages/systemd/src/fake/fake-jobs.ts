// What the fake knows of processes and of jobs it does not run itself: test controls behind
// FakeSystemd.jobOfProcess.

/** Which unit each process runs in, and jobs queued by hand (e.g. `restart`). */
export class FakeJobs {
  private readonly processes = new Map<number, string>();
  private readonly queuedJobs = new Map<string, string>();

  /** Process `pid` runs in `unit`, or, with `undefined`, in no unit. */
  placeProcess(pid: number, unit: string | undefined): void {
    if (unit === undefined) this.processes.delete(pid);
    else this.processes.set(pid, unit);
  }

  /** A job of `type` is queued for `unit` until cleared with `undefined`. */
  queueJob(unit: string, type: string | undefined): void {
    if (type === undefined) this.queuedJobs.delete(unit);
    else this.queuedJobs.set(unit, type);
  }

  /** The unit of process `pid`, if it is in one. */
  unitOf(pid: number): string | undefined {
    return this.processes.get(pid);
  }

  /** The job queued by hand for `unit`, if any. */
  queued(unit: string): string | undefined {
    return this.queuedJobs.get(unit);
  }
}
