// Test fixture, not installed anywhere: the real fleetd process (command line, configuration,
// signals, etcd) with systemd faked, for integration tests on hosts without a system bus.
import { oneLine } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { runFleetd } from '../lifecycle.js';

process.title = 'fleetd';

runFleetd({
  argv: process.argv.slice(2),
  env: process.env,
  parts: { systemd: new FakeSystemd() },
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${oneLine(err)}\n`);
    process.exit(1);
  },
);
