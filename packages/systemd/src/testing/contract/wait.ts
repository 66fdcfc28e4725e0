// Waiting in contract tests: on a condition, with a deadline in the implementation's own time.
import { waitFor } from '@fleet/testkit';
import type { Systemd, SystemdUnitStatus, UnitStatusChange } from '../../systemd.js';
import type { HarnessTime } from './harness.js';

/** How long a contract test waits for a condition, in the implementation's time. */
export const WAIT_MS = 20_000;
const STEP_MS = 10;

/**
 * Polls `probe` until it returns something other than `undefined`/`false`; throws testkit's
 * `WaitTimeoutError` at the deadline. testkit's `waitFor`, in the harness's time (a manual
 * clock's advance for the fake, real time for DbusSystemd), and a probe that throws fails the
 * wait at once: in the contract, an error is a failure, never a "not yet".
 */
export function waitUntil<T>(
  time: HarnessTime,
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  return waitFor(probe, {
    time,
    what,
    timeoutMs: WAIT_MS,
    intervalMs: STEP_MS,
    retryErrors: false,
  });
}

/** Records every change a Systemd reports, from construction on. */
export class ChangeRecorder {
  readonly changes: UnitStatusChange[] = [];
  private readonly off: () => void;

  constructor(
    systemd: Systemd,
    private readonly time: HarnessTime,
  ) {
    this.off = systemd.onChange((batch) => this.changes.push(...batch));
  }

  /** A position in the record: `waitFor(…, mark)` looks only at changes after it. */
  mark(): number {
    return this.changes.length;
  }

  /** The states reported for `name`, in order. */
  statesOf(name: string): SystemdUnitStatus[] {
    return this.changes.filter((c) => c.name === name).map((c) => c.state);
  }

  /** Waits until a change of `name` after `from` matches `want` (fields given must be equal). */
  waitFor(name: string, want: Partial<SystemdUnitStatus>, from = 0): Promise<SystemdUnitStatus> {
    return waitUntil(
      this.time,
      `${name} to report ${JSON.stringify(want)}`,
      () => this.changes.slice(from).find((c) => c.name === name && matches(c.state, want))?.state,
    );
  }

  stop(): void {
    this.off();
  }
}

/** Whether `state` has every field of `want`. */
export function matches(
  state: SystemdUnitStatus | undefined,
  want: Partial<SystemdUnitStatus>,
): boolean {
  if (state === undefined) return false;
  return Object.entries(want).every(
    ([key, value]) => state[key as keyof SystemdUnitStatus] === value,
  );
}

/** Waits until `unitStates` shows `name` matching `want`. */
export function waitForState(
  systemd: Systemd,
  time: HarnessTime,
  name: string,
  want: Partial<SystemdUnitStatus>,
): Promise<SystemdUnitStatus> {
  return waitUntil(time, `${name} to be ${JSON.stringify(want)}`, async () => {
    const state = (await systemd.unitStates([name])).get(name);
    return matches(state, want) ? state : undefined;
  });
}
