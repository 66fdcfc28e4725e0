// @fleet/fleetd/testing: what tests of fleetd as a process use. Never exported from the main entry.
import { fileURLToPath } from 'node:url';

/**
 * The built fleetd entry point with systemd faked (`fleetd-fake-systemd.ts`): the real process,
 * command line, configuration, signals and etcd, on hosts without a system bus. Build first
 * (`npx tsc -b`). The same path from `src/testing` and from `dist/testing`: both sit two levels
 * below the package.
 */
export const FAKE_SYSTEMD_FLEETD = fileURLToPath(
  new URL('../../dist/testing/fleetd-fake-systemd.js', import.meta.url),
);
