// Per-test context of the contract suite: the harness, and unique unit names that are cleaned
// up after the test (a real systemd outlives the test).
import type { Systemd } from '../../systemd.js';
import type { SystemdHarness } from './harness.js';

/** What each contract test gets. */
export interface ContractContext {
  /** The current test's harness. */
  h(): SystemdHarness;
  /** A unit name unique to this test run, e.g. `fc-3f9a1c-7-web.service`; cleaned up after. */
  unit(label: string, type?: string): string;
}

/** Returns a unit to nothing: stopped, unlinked, not failed, file removed. Errors are ignored. */
export async function cleanUp(systemd: Systemd, names: readonly string[]): Promise<void> {
  const quietly = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined);
  for (const name of names) {
    await quietly(systemd.stop(name));
    await quietly(systemd.disable(name));
    await quietly(systemd.removeUnit(name));
  }
  if (names.length > 0) await quietly(systemd.daemonReload());
  for (const name of names) await quietly(systemd.resetFailed(name));
}
