// LinkUnitFiles takes an array of files: the links asked while one call is in flight go together
// in the next call, so a hundred new units cost a few calls to systemd, not a hundred.
import { isSystemdError } from './errors.js';
import type { UnitFileChange } from './systemd.js';

interface Waiter {
  readonly path: string;
  readonly resolve: (changes: UnitFileChange[]) => void;
  readonly reject: (err: unknown) => void;
}

/** Errors of the whole call, which a call per file would only repeat (and wait for again). */
const WHOLE_CALL = new Set(['SYSTEMD_TIMEOUT', 'SYSTEMD_UNAVAILABLE', 'SYSTEMD_CLOSED']);

/**
 * Batches link requests: the first goes at once, alone; those that arrive while a call is in
 * flight are sent together when it returns (at most `max` a call). Each caller gets the changes
 * that name its own file. If a batched call fails for a reason of one file (a missing file, say),
 * each file of it is linked again alone, so every caller gets its own answer.
 */
export class LinkBatcher {
  private readonly queue: Waiter[] = [];
  private inFlight = false;

  constructor(
    private readonly call: (paths: readonly string[]) => Promise<UnitFileChange[]>,
    private readonly max = 64,
  ) {}

  link(path: string): Promise<UnitFileChange[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ path, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, this.max);
    void this.send(batch).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }

  /** Answers every waiter of `batch`; never rejects. */
  private async send(batch: readonly Waiter[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0] as Waiter);
    let changes: UnitFileChange[];
    try {
      changes = await this.call(batch.map((w) => w.path));
    } catch (err) {
      if (isSystemdError(err) && WHOLE_CALL.has(err.code)) for (const w of batch) w.reject(err);
      else await Promise.all(batch.map((w) => this.alone(w)));
      return;
    }
    for (const w of batch) w.resolve(changes.filter((c) => c.destination === w.path));
  }

  private async alone(w: Waiter): Promise<void> {
    try {
      w.resolve(await this.call([w.path]));
    } catch (err) {
      w.reject(err);
    }
  }
}
