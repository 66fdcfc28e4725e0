// What the contract suite needs from each implementation under test.
import type { WaitTime } from '@fleet/testkit';
import type { Systemd } from '../../systemd.js';

/**
 * How time passes for the implementation under test (testkit's `WaitTime`): `sleep` lets `ms`
 * pass, real time for the real systemd, a fake clock's advance for the fake.
 */
export type HarnessTime = WaitTime;

/** One implementation, fresh for one test. */
export interface SystemdHarness {
  readonly systemd: Systemd;
  readonly time: HarnessTime;
  /** Puts a file into the units directory without the port (e.g. `notes.txt`). */
  putStrayFile(fileName: string, content: string): Promise<void>;
  /**
   * A second Systemd of the same kind whose bus does not answer or is not there. It is closed
   * by the harness's `close()`.
   */
  unavailable(): Promise<Systemd>;
  /** Closes everything the harness opened. */
  close(): Promise<void>;
}

/** Makes a fresh harness for each test. */
export type SystemdHarnessFactory = () => Promise<SystemdHarness>;
