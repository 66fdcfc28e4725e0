// list-units' `health` field: each unit state's health-check status, `-` without one; fleet's
// default columns stay as they were.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Harness, M1, M2 } from '../testing/harness.js';

const WEB = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const at = '2026-12-04T17:00:00.000Z';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.machine(M2);
  await h.registry.createUnit({ name: 'a.service', options: WEB, desiredState: 'launched' });
  await h.publish('a.service', M1.id, {
    activeState: 'active',
    health: { status: 'passing', checkedAt: at },
  });
  await h.publish('a.service', M2.id, {
    activeState: 'active',
    health: { status: 'failing', output: 'exit status 1', checkedAt: at },
  });
  await h.registry.createUnit({ name: 'b.service', options: WEB, desiredState: 'launched' });
  await h.publish('b.service', M1.id, { activeState: 'active' });
});
afterEach(() => h.close());

it('shows passing, failing or - in the health field, as a table and as JSON', async () => {
  const fields = ['--fields', 'unit,machine,active,health'];
  const table = await h.fleetctl(['list-units', '--no-legend', ...fields]);
  expect(table).toEqual({
    code: 0,
    stderr: '',
    stdout:
      'a.service\tc31e44e1.../127.0.0.1\tactive\tpassing\n' +
      'a.service\td4f0a2b3.../127.0.0.2\tactive\tfailing\n' +
      'b.service\tc31e44e1.../127.0.0.1\tactive\t-\n',
  });
  const json = await h.fleetctl(['list-units', '-o', 'json', '--fields', 'unit,health']);
  expect(JSON.parse(json.stdout)).toEqual([
    { unit: 'a.service', health: 'passing' },
    { unit: 'a.service', health: 'failing' },
    { unit: 'b.service', health: null },
  ]);
});

it("keeps fleet's default columns", async () => {
  const r = await h.fleetctl(['list-units']);
  expect(r.stdout.split('\n')[0]).toBe('UNIT\t\tMACHINE\t\t\tACTIVE\tSUB');
});
