// Units that should run and that no machine has: a row in list-units (machine "-", the reason),
// a reason column in list-unit-files, and the reason from status and journal.
import { unitHash } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, M1 } from '../testing/harness.js';

const WEB = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const PICKY = [
  ...WEB,
  { section: 'X-Fleet', name: 'MachineMetadata', value: 'region=eu' },
  { section: 'X-Fleet', name: 'MachineMetadata', value: 'disk=ssd' },
];
const WHY = 'no machine has metadata disk=ssd or region=eu';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.registry.createUnit({ name: 'a.service', options: WEB, desiredState: 'launched' });
  await h.assign('a.service', M1.id);
  await h.publish('a.service', M1.id, { activeState: 'active' });
  await h.registry.createUnit({ name: 'picky.service', options: PICKY, desiredState: 'launched' });
  await h.reason('picky.service', WHY);
  await h.registry.createUnit({ name: 'off.service', options: WEB, desiredState: 'inactive' });
});
afterEach(() => h.close());

describe('list-units', () => {
  it('shows a unit no machine has, machine "-", with a REASON column', async () => {
    expect(await h.fleetctl(['list-units'])).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'UNIT\t\tMACHINE\t\t\tACTIVE\tSUB\tREASON\n' +
        'a.service\tc31e44e1.../127.0.0.1\tactive\trunning\t-\n' +
        `picky.service\t-\t\t\t-\t-\t${WHY}\n`,
    });
  });

  it('adds no column to the fields given, and none when no unit has a reason', async () => {
    const given = await h.fleetctl(['list-units', '--no-legend', '--fields', 'unit,machine']);
    expect(given.stdout).toBe('a.service\tc31e44e1.../127.0.0.1\npicky.service\t-\n');
    await h.reason('picky.service', null);
    const plain = await h.fleetctl(['list-units']);
    expect(plain.stdout.split('\n')[0]).toBe('UNIT\t\tMACHINE\t\t\tACTIVE\tSUB');
    expect(plain.stdout).toContain('picky.service\t-\t\t\t-\t-\n');
  });

  it('lists it in JSON with machine null and the reason', async () => {
    const r = await h.fleetctl(['list-units', '-o', 'json', '--fields', 'unit,machine,hash']);
    expect(JSON.parse(r.stdout)).toEqual([
      { unit: 'a.service', machine: M1.id, hash: unitHash(WEB) },
      { unit: 'picky.service', machine: null, hash: unitHash(PICKY) },
    ]);
    const all = JSON.parse((await h.fleetctl(['list-units', '-o', 'json'])).stdout) as unknown[];
    expect(all[1]).toEqual({
      unit: 'picky.service',
      machine: null,
      active: null,
      sub: null,
      reason: WHY,
    });
  });
});

describe('list-unit-files', () => {
  it('adds the REASON column when a unit has one', async () => {
    const r = await h.fleetctl(['list-unit-files', '--no-legend']);
    expect(r.stdout.split('\n')).toContain(
      `picky.service\t${unitHash(PICKY).slice(0, 7)}\tlaunched\tinactive\t-\t\t\t${WHY}`,
    );
    await h.reason('picky.service', null);
    const without = await h.fleetctl(['list-unit-files']);
    expect(without.stdout.split('\n')[0]).toBe('UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET');
  });
});

describe('status and journal', () => {
  it('say why a unit is on no machine, exit 1', async () => {
    for (const cmd of ['status', 'journal']) {
      expect(await h.fleetctl([cmd, 'picky.service'])).toEqual({
        code: 1,
        stdout: '',
        stderr: `Unit picky.service is not scheduled: ${WHY}\n`,
      });
    }
    await h.reason('picky.service', null);
    expect((await h.fleetctl(['status', 'picky.service'])).stderr).toBe(
      'Unit picky.service does not appear to be loaded.\n',
    );
    expect((await h.fleetctl(['journal', 'picky.service'])).stderr).toBe(
      'Unit picky.service does not appear to be running.\n',
    );
  });
});
