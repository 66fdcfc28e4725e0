// list-units, list-unit-files and list-machines against a real API over InMemoryRegistry: exact
// table text, fields, legends, --full, JSON.
import { unitHash } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, M1, M2 } from '../testing/harness.js';

const WEB = [
  { section: 'Unit', name: 'Description', value: 'web server' },
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
];
const GLOBAL = [
  { section: 'Service', name: 'ExecStart', value: '/bin/true' },
  { section: 'X-Fleet', name: 'Global', value: 'true' },
];

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1, { region: 'us', disk: 'ssd' });
  await h.machine(M2);
});
afterEach(() => h.close());

describe('list-units', () => {
  beforeEach(async () => {
    await h.registry.createUnit({ name: 'a.service', options: WEB, desiredState: 'launched' });
    await h.registry.createUnit({ name: 'b.service', options: GLOBAL, desiredState: 'launched' });
    await h.publish('a.service', M1.id, { activeState: 'active' });
    await h.publish('b.service', M2.id, { activeState: 'inactive', subState: 'dead' });
    await h.publish('b.service', M1.id, { activeState: 'active' });
  });

  it("prints fleet's default columns, tab-aligned, sorted by unit then machine", async () => {
    const r = await h.fleetctl(['list-units']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'UNIT\t\tMACHINE\t\t\tACTIVE\t\tSUB\n' +
        'a.service\tc31e44e1.../127.0.0.1\tactive\t\trunning\n' +
        'b.service\tc31e44e1.../127.0.0.1\tactive\t\trunning\n' +
        'b.service\td4f0a2b3.../127.0.0.2\tinactive\tdead\n',
    });
  });

  it('selects fields, drops the legend, and shows full IDs and hashes with -l', async () => {
    const hash = unitHash(WEB);
    const r = await h.fleetctl([
      'list-units',
      '-l',
      '--no-legend',
      '--fields',
      'unit,hash,load,machine',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`a.service\t${hash}\tloaded\t${M1.id}/127.0.0.1`);
    const short = await h.fleetctl(['list-units', '--no-legend', '--fields=hash']);
    expect(short.stdout.split('\n')[0]).toBe(hash.slice(0, 7));
    // fleet's long spelling of -l still works.
    expect((await h.fleetctl(['list-units', '--l', '--fields=machine'])).stdout).toContain(M1.id);
  });

  it('prints JSON with the selected fields as keys, full values', async () => {
    const r = await h.fleetctl(['list-units', '-o', 'json', '--fields', 'unit,machine,active']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { unit: 'a.service', machine: M1.id, active: 'active' },
      { unit: 'b.service', machine: M1.id, active: 'active' },
      { unit: 'b.service', machine: M2.id, active: 'inactive' },
    ]);
  });

  it("rejects bad --fields with fleet's messages", async () => {
    expect(await h.fleetctl(['list-units', '--fields='])).toMatchObject({
      code: 1,
      stderr: 'Must define output format\n',
    });
    const bad = await h.fleetctl(['list-units', '--fields', 'unit,nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Invalid key in output format: "nope"/);
    expect((await h.fleetctl(['list-units', '-o', 'yaml'])).stderr).toMatch(
      /Invalid output format/,
    );
  });

  it('shows a machine that is gone by its ID alone', async () => {
    await h.publish('c.service', M2.id, { activeState: 'active', hash: 'f'.repeat(40) });
    const r = await h.fleetctl(['list-units', '--no-legend', '--fields', 'unit,machine']);
    expect(r.stdout).toContain('c.service\td4f0a2b3.../127.0.0.2\n');
  });
});

describe('list-unit-files', () => {
  it('shows hash, desired state, current state and target; global units as "global"', async () => {
    await h.registry.createUnit({ name: 'a.service', options: WEB, desiredState: 'launched' });
    await h.registry.createUnit({ name: 'g.service', options: GLOBAL, desiredState: 'launched' });
    await h.registry.createUnit({ name: 'z.service', options: WEB, desiredState: 'inactive' });
    await h.assign('a.service', M1.id);
    await h.publish('a.service', M1.id, { activeState: 'active', state: 'launched' });
    const hw = unitHash(WEB).slice(0, 7);
    const hg = unitHash(GLOBAL).slice(0, 7);
    const r = await h.fleetctl(['list-unit-files']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'UNIT\t\tHASH\tDSTATE\t\tSTATE\t\tTARGET\n' +
        `a.service\t${hw}\tlaunched\tlaunched\tc31e44e1.../127.0.0.1\n` +
        `g.service\t${hg}\tlaunched\t-\t\tglobal\n` +
        `z.service\t${hw}\tinactive\tinactive\t-\n`,
    });
  });

  it('shows desc, global and the scheduler reason; warns about tmachine', async () => {
    await h.registry.createUnit({ name: 'a.service', options: WEB, desiredState: 'launched' });
    await h.reason('a.service', 'no machine matches MachineMetadata region=eu');
    const r = await h.fleetctl([
      'list-unit-files',
      '--no-legend',
      '--fields',
      'unit,desc,global,reason,tmachine',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'a.service\tweb server\tfalse\tno machine matches MachineMetadata region=eu\t-\n',
    );
    expect(r.stderr).toMatch(/tmachine.*deprecated/);
    const json = await h.fleetctl([
      'list-unit-files',
      '--output',
      'json',
      '--fields',
      'unit,hash,global,target',
    ]);
    expect(JSON.parse(json.stdout)).toEqual([
      { unit: 'a.service', hash: unitHash(WEB), global: false, target: null },
    ]);
  });

  it('prints only the legend for an empty cluster', async () => {
    expect((await h.fleetctl(['list-unit-files'])).stdout).toBe(
      'UNIT\tHASH\tDSTATE\tSTATE\tTARGET\n',
    );
    expect((await h.fleetctl(['list-unit-files', '-o', 'json'])).stdout).toBe('[]\n');
  });
});

describe('list-machines', () => {
  it("prints fleet's columns with sorted metadata", async () => {
    const r = await h.fleetctl(['list-machines']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'MACHINE\t\tIP\t\tMETADATA\t\tSTATE\n' +
        'c31e44e1...\t127.0.0.1\tdisk=ssd,region=us\tschedulable\n' +
        'd4f0a2b3...\t127.0.0.2\t-\t\t\tschedulable\n',
    });
    const full = await h.fleetctl(['list-m', '-l', '--no-legend', '--fields', 'machine']);
    expect(full.stdout).toBe(`${M1.id}\n${M2.id}\n`);
  });

  it('prints health fields as "-" when the API does not report them, and JSON nulls', async () => {
    const r = await h.fleetctl([
      'list-machines',
      '--no-legend',
      '--fields',
      'ip,load,memory,uptime',
    ]);
    expect(r.stdout).toBe('127.0.0.1\t-\t-\t-\n127.0.0.2\t-\t-\t-\n');
    const json = await h.fleetctl([
      'list-machines',
      '-o',
      'json',
      '--fields',
      'machine,metadata,systemd',
    ]);
    expect(JSON.parse(json.stdout)).toEqual([
      { machine: M1.id, metadata: { disk: 'ssd', region: 'us' }, systemd: null },
      { machine: M2.id, metadata: {}, systemd: null },
    ]);
  });

  it('fails with one line when the API cannot be reached', async () => {
    const r = await h.fleetctl(['--endpoint', `unix://${h.dir}/nope.sock`, 'list-machines'], {
      endpoint: false,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error retrieving list of active machines: cannot reach the fleet API at unix:\/\/.*nope\.sock: .*\n$/,
    );
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('list-units round trips', () => {
  it('reads the states and the machines at once (one round trip of latency, not two)', async () => {
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const timed = await Harness.start((api) => (req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      res.on('close', () => inFlight--);
      setTimeout(() => api(req, res), 5); // requests sent together are seen together
    });
    try {
      await timed.machine(M1);
      await timed.registry.createUnit({
        name: 'a.service',
        options: WEB,
        desiredState: 'launched',
      });
      await timed.publish('a.service', M1.id, { activeState: 'active' });
      const r = await timed.fleetctl(['list-units', '--no-legend']);
      expect(r).toEqual({
        code: 0,
        stderr: '',
        stdout: 'a.service\tc31e44e1.../127.0.0.1\tactive\trunning\n',
      });
      expect(seen.sort()).toEqual(['GET /fleet/v1/machines', 'GET /fleet/v1/state']);
      expect(maxInFlight).toBe(2);
      // Without the machine column, no machine listing.
      seen.length = 0;
      expect((await timed.fleetctl(['list-units', '--fields=unit,active'])).code).toBe(0);
      expect(seen).toEqual(['GET /fleet/v1/state']);
    } finally {
      await timed.close();
    }
  });
});
