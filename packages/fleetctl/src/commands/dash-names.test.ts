// L10: the words after `--` are unit arguments for every unit command (fleet and this fleetctl
// used to drop them), so a name starting with `-` can be given at all; status passes the name to
// systemctl after `--`. Whether such a name is accepted is the API's call (newer registries
// refuse new ones); fleetctl must ask it rather than read the name as a flag.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from '../testing/harness.js';
import { statusArgv } from './status.js';

const UNIT = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  for (const name of ['a.service', 'b.service', 'plain.service']) {
    await h.registry.createUnit({ name, options: UNIT, desiredState: 'inactive' });
  }
});
afterEach(() => h.close());

describe('unit names after --', () => {
  it('destroy takes the units after --', async () => {
    const r = await h.fleetctl(['destroy', '--no-block', '--', 'a.service', 'b.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Destroyed a.service\nDestroyed b.service\n',
      stderr: '',
    });
    expect(await h.registry.getUnit('a.service')).toBeUndefined();
    expect(await h.registry.getUnit('b.service')).toBeUndefined();
    expect(await h.registry.getUnit('plain.service')).toBeDefined();
  });

  it('units before and after -- are all taken', async () => {
    const r = await h.fleetctl(['load', '--no-block', 'plain.service', '--', 'a.service']);
    expect(r).toEqual({
      code: 0,
      stdout: 'Triggered unit plain.service load\nTriggered unit a.service load\n',
      stderr: '',
    });
    expect((await h.registry.getUnit('a.service'))?.desiredState).toBe('loaded');
    const stop = await h.fleetctl(['stop', '--', 'b.service']);
    expect(stop.stderr).toBe('Unable to stop unit b.service in state inactive\n');
  });

  it('a name starting with - after -- is a unit name, looked up in the cluster', async () => {
    const r = await h.fleetctl(['cat', '--', '-H.service']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // Not found, or refused by name: the API's answer, not a flag error.
    expect(r.stderr).toMatch(/-H\.service/);
    expect(r.stderr).not.toMatch(/Unknown argument|One unit file/);
  });

  it('status puts -- before the unit name for systemctl', () => {
    expect(statusArgv('-H.service')).toEqual(['systemctl', 'status', '-l', '--', '-H.service']);
  });
});
