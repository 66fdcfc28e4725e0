// The contract harness for FakeSystemd: a manual clock, so the suite runs in simulated time.
import { ManualClock } from '@fleet/runtime';
import type { SystemdHarness } from './contract/harness.js';
import { FakeSystemd, type FakeSystemdOptions } from '../fake/fake-systemd.js';

/** A fresh FakeSystemd on its own ManualClock, as a contract harness. */
export async function fakeHarness(opts: FakeSystemdOptions = {}): Promise<SystemdHarness> {
  const clock = new ManualClock(1_000_000);
  const systemd = new FakeSystemd({ clock, ...opts });
  const others: FakeSystemd[] = [];
  return {
    systemd,
    time: { now: () => clock.now(), sleep: (ms) => clock.tick(ms) },
    putStrayFile: async (fileName, content) => systemd.putFile(fileName, content),
    unavailable: async () => {
      const broken = new FakeSystemd({ clock, ...opts });
      broken.setAvailable(false);
      others.push(broken);
      return broken;
    },
    close: async () => {
      await Promise.all([systemd, ...others].map((s) => s.close()));
    },
  };
}
