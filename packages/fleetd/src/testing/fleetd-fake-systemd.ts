// Test fixture, not installed anywhere: the real fleetd process (command line, configuration,
// signals, etcd) with systemd faked, for integration tests on hosts without a system bus.
import { oneLine } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { runFleetd } from '../lifecycle.js';

process.title = 'fleetd';

const systemd = new FakeSystemd();
// FLEETD_FAKE_JOB=restart: what systemd shows while `systemctl restart fleet` stops this process.
const job = process.env.FLEETD_FAKE_JOB;
if (job !== undefined && job !== '') {
  systemd.jobs.placeProcess(process.pid, 'fleet.service');
  systemd.jobs.queueJob('fleet.service', job);
}

runFleetd({ argv: process.argv.slice(2), env: process.env, parts: { systemd } }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${oneLine(err)}\n`);
    process.exit(1);
  },
);
