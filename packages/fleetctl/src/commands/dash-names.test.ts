// L10: unit names starting with `-` (stored before the API refused them, or `-.mount`) stay
// addressable: every unit command takes the words after `--` as units, and status passes the
// name to systemctl after `--`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from '../testing/harness.js';
import { statusArgv } from './status.js';

const UNIT = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  for (const name of ['-H.service', '--user.service', 'plain.service']) {
    await h.registry.createUnit({ name, options: UNIT, desiredState: 'inactive' });
  }
});
afterEach(() => h.close());

describe('unit names after --', () => {
  it('destroy takes the units after --, including names starting with -', async () => {
    const r = await h.fleetctl(['destroy', '--no-block', '--', '-H.service', '--user.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Destroyed -H.service\nDestroyed --user.service\n',
      stderr: '',
    });
    expect(await h.registry.getUnit('-H.service')).toBeUndefined();
    expect(await h.registry.getUnit('--user.service')).toBeUndefined();
    expect(await h.registry.getUnit('plain.service')).toBeDefined();
  });

  it('units before and after -- are all taken', async () => {
    const r = await h.fleetctl(['load', '--no-block', 'plain.service', '--', '-H.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Triggered unit plain.service load\nTriggered unit -H.service load\n',
      stderr: '',
    });
    expect((await h.registry.getUnit('-H.service'))?.desiredState).toBe('loaded');
  });

  it('cat and stop reach a unit named -H.service', async () => {
    expect(await h.fleetctl(['cat', '--', '-H.service'])).toEqual({
      code: 0,
      stdout: '[Service]\nExecStart=/bin/sleep 1000\n',
      stderr: '',
    });
    const stop = await h.fleetctl(['stop', '--', '-H.service']);
    expect(stop.stderr).toBe('Unable to stop unit -H.service in state inactive\n');
  });

  it('status puts -- before the unit name for systemctl', () => {
    expect(statusArgv('-H.service')).toEqual(['systemctl', 'status', '-l', '--', '-H.service']);
  });
});
