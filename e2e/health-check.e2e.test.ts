// A unit's health check on real systemd: fleetd (installed from this checkout's .deb) runs the
// unit's `HealthCheckCommand=` while systemd has the unit active, and `fleetctl list-units` shows
// it failing, then passing once the file it tests appears on the machine; a bad value is refused
// at submit with one message. The check runs inside fleet.service's sandbox (PrivateTmp=yes,
// ProtectSystem=strict), so the file it tests is under /run, which fleetd sees as the machine does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, FleetctlSeat, sh, tableCells } from './src/index.js';

const OK_FILE = '/run/health-e2e-ok';

const CHECKED = [
  '[Unit]',
  'Description=health check e2e',
  '',
  '[Service]',
  "ExecStart=/bin/sh -c 'exec sleep infinity'",
  '',
  '[X-Fleet]',
  `HealthCheckCommand=/bin/sh -c "echo looking for ${OK_FILE}; test -e ${OK_FILE}"`,
  'HealthCheckIntervalSec=1',
  '',
].join('\n');

describe('health checks on a 2-machine cluster', () => {
  let c: Cluster;
  let seat: FleetctlSeat;

  beforeAll(async () => {
    c = await Cluster.start({ machines: 2 });
    seat = await FleetctlSeat.create();
  });
  afterAll(async () => {
    try {
      await seat?.dispose();
    } finally {
      await c?.teardown();
    }
  });

  const fleetctl = async (...args: string[]) =>
    seat.fleetctl(['--endpoint', c.tcpEndpoint('node1'), ...args]);
  /** list-units' rows for `unit`: [unit, machine, active, health]. */
  const rows = async (unit: string): Promise<string[][]> => {
    const r = await fleetctl('list-units', '--no-legend', '--fields', 'unit,machine,active,health');
    expect(r.code, r.stderr).toBe(0);
    return tableCells(r.stdout).filter((cells) => cells[0] === unit);
  };
  const healthShown = async (unit: string, want: string): Promise<boolean> => {
    const r = await rows(unit);
    return r.length === 1 && r[0]?.[2] === 'active' && r[0][3] === want;
  };

  it('shows the check failing, then passing as the file it tests appears', async () => {
    const file = join(seat.dir, 'checked.service');
    await writeFile(file, CHECKED);
    const start = await fleetctl('start', '--no-block', file);
    expect(start.code, start.stderr).toBe(0);
    await waitFor(() => healthShown('checked.service', 'failing'), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'list-units to show checked.service active and failing',
    });
    const where = await c.whereActive('checked.service');
    expect(where).toHaveLength(1);
    const [state] = await c.api().listUnitStates();
    expect(state?.health).toMatchObject({ status: 'failing', output: `looking for ${OK_FILE}` });

    await sh(c.node(where[0] ?? ''), `touch ${OK_FILE}`);
    await waitFor(() => healthShown('checked.service', 'passing'), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'list-units to show checked.service passing',
    });

    // Stopped: systemd has it inactive, and its state carries no health.
    expect((await fleetctl('stop', 'checked.service')).code).toBe(0);
    await waitFor(async () => (await rows('checked.service'))[0]?.[2] === 'inactive', {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'checked.service to be shown inactive',
    });
    expect((await rows('checked.service'))[0]?.[3]).toBe('-');
  });

  it('refuses a bad health-check value at submit, with one message', async () => {
    const file = join(seat.dir, 'bad.service');
    await writeFile(file, CHECKED.replace(/^HealthCheckCommand=.*$/m, 'HealthCheckURL=ftp://x/'));
    const r = await fleetctl('submit', file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'HealthCheckURL= must be an http:// or https:// URL, not "ftp://x/"',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await c.api().listUnits()).toEqual([
      expect.objectContaining({ name: 'checked.service' }),
    ]);
  });
});
