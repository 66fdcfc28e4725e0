// What fleetd has opened, closed in reverse: start-up pushes each part's close as it acquires the
// part, a failure part-way unwinds what was opened so far, and stop() unwinds everything.

/** A close function, run once. */
export type Release = () => Promise<void> | void;

/** A stack of releases, unwound last-in first-out. */
export class ResourceStack {
  private readonly releases: Release[] = [];

  /** Remembers how to release something just acquired. */
  push(release: Release): void {
    this.releases.push(release);
  }

  /** Acquires with `open` and pushes `close` of what it gave, so a later failure releases it. */
  async use<T>(
    open: () => Promise<T> | T,
    close: (resource: T) => Promise<void> | void,
  ): Promise<T> {
    const resource = await open();
    this.push(() => close(resource));
    return resource;
  }

  /**
   * Releases everything in reverse order, each even when an earlier one failed; returns what
   * failed (the caller logs it, or ignores it while it is already failing).
   */
  async unwind(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (let release = this.releases.pop(); release; release = this.releases.pop()) {
      try {
        await release();
      } catch (err) {
        failures.push(err);
      }
    }
    return failures;
  }
}
