// A caller whose role may only read: fleetctl lists, and a write prints the API's one line
// ("permission denied: role read cannot PUT units") and exits 1.
import { join } from 'node:path';
import { createApi, FleetServer } from '@fleet/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, M1 } from '../testing/index.js';

let h: Harness;
let reader: FleetServer;
let readEndpoint: string;
beforeEach(async () => {
  h = await Harness.start();
  const path = join(h.dir, 'fleet-read.sock');
  reader = await FleetServer.listen(createApi({ registry: h.registry, version: '9.9.9' }), {
    unixSocket: null,
    readSocket: { path },
    activation: false,
  });
  readEndpoint = `unix://${path}`;
  await h.machine(M1);
  await h.file('hello.service', '[Service]\nExecStart=/bin/true\n');
});
afterEach(async () => {
  await reader.close();
  await h.close();
});

const asReader = (...args: string[]) =>
  h.fleetctl(['--endpoint', readEndpoint, ...args], { endpoint: false });

describe('a read-only caller', () => {
  it('lists units and machines', async () => {
    expect((await h.fleetctl(['submit', 'hello.service'])).code).toBe(0);
    const list = await asReader('list-unit-files', '--no-legend', '--fields=unit');
    expect(list).toMatchObject({ code: 0, stdout: 'hello.service\n', stderr: '' });
    expect((await asReader('list-machines', '--no-legend')).code).toBe(0);
  });

  it.each([
    [['start', '--no-block', 'hello.service']],
    [['submit', 'hello.service']],
    [['load', '--no-block', 'hello.service']],
  ])('%j prints the permission line alone and exits 1', async (args) => {
    const r = await asReader(...args);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'permission denied: role read cannot PUT units\n',
    });
    expect(await h.registry.getUnit('hello.service')).toBeUndefined();
  });

  it("destroy keeps fleet's per-unit line, with the permission message, and exits 1", async () => {
    expect((await h.fleetctl(['submit', 'hello.service'])).code).toBe(0);
    expect(await asReader('destroy', 'hello.service')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error destroying units: permission denied: role read cannot DELETE units\n',
    });
    expect(await h.registry.getUnit('hello.service')).toBeDefined();
  });
});
