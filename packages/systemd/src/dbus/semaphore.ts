// Caps calls in flight: the system bus allows 128 pending replies per connection.

/** A counting semaphore with FIFO waiters that can give up. */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bad limit ${limit}`);
  }

  /**
   * Waits for a slot. Resolves with a release function (call it exactly once), or rejects with
   * `abort`'s result if `abort` settles first.
   */
  acquire(abort: Promise<never>): Promise<() => void> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter = (): void => resolve(this.releaser());
      this.waiters.push(waiter);
      abort.catch((err: unknown) => {
        const at = this.waiters.indexOf(waiter);
        if (at === -1) return; // already granted: the caller releases it
        this.waiters.splice(at, 1);
        reject(err);
      });
    });
  }

  /** Slots in use. */
  get active(): number {
    return this.inUse;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next === undefined) this.inUse--;
      else next();
    };
  }
}
