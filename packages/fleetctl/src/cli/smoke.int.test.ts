// The compiled CLI under plain node, and the bundle bin/fleetctl runs, as users run them. vitest
// rewrites CommonJS interop, so a broken ESM import (e.g. a named import from ssh2) passes every
// other test and only crashes here (libs.md 1.3). Nothing is compiled here: CI builds first;
// without dist/ this fails clearly. The bundle is made from dist/ for this file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi, FleetServer } from '@fleet/api';
import { InMemoryRegistry } from '@fleet/registry';
import { spawnTracked } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestBundle,
  COMPILED_MAIN,
  PACKAGE_DIR,
  requireCompiled,
  type TestBundle,
} from '../testing/bundle.js';

let bundled: TestBundle | undefined;
beforeAll(async () => {
  requireCompiled();
  bundled = await buildTestBundle();
});
afterAll(async () => {
  await bundled?.remove();
});

it('bin/fleetctl runs the program (the bundle when fresh, else dist/main.js)', async () => {
  const bin = join(PACKAGE_DIR, '..', '..', 'bin', 'fleetctl');
  const p = spawnTracked('fleetctl', bin, ['version'], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
  });
  expect((await p.exited).code).toBe(0);
  expect(p.log()).toMatch(/^fleetctl version \d+\.\d+\.\d+\n$/);
});

describe.each([
  ['the compiled fleetctl (dist/main.js)', () => COMPILED_MAIN],
  ['the bundled fleetctl (bin/fleetctl)', () => bundled?.main ?? ''],
])('%s under node', (_name, main) => {
  async function cli(args: readonly string[]): Promise<{ code: number | null; out: string }> {
    const p = spawnTracked('fleetctl', process.execPath, [main(), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
    });
    const { code } = await p.exited;
    return { code, out: p.log() };
  }

  let dir: string;
  let registry: InMemoryRegistry;
  let server: FleetServer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetctl-smoke-'));
    registry = new InMemoryRegistry();
    server = await FleetServer.listen(createApi({ registry, version: '1.0.0' }), {
      unixSocket: join(dir, 'fleet.sock'),
      activation: false,
    });
  });
  afterAll(async () => {
    await server.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints help and its version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('list-machines');
    const version = await cli(['version']);
    expect(version).toEqual({
      code: 0,
      out: expect.stringMatching(/^fleetctl version \d+\.\d+\.\d+/),
    });
  });

  it('talks to an API on a unix socket', async () => {
    await registry.createUnit({
      name: 'a.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
      desiredState: 'inactive',
    });
    const r = await cli([
      '--endpoint',
      `unix://${join(dir, 'fleet.sock')}`,
      'list-unit-files',
      '--no-legend',
      '--fields=unit,dstate',
    ]);
    expect(r).toEqual({ code: 0, out: 'a.service\tinactive\n' });
  });

  it('loads ssh2 (tunnel and ssh command) without an import error', async () => {
    const r = await cli(['--tunnel', '127.0.0.1:1', '--ssh-timeout', '5', 'list-units']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^Unable to initialize client: failed initializing SSH tunnel: cannot connect to 127\.0\.0\.1:1 over SSH: .*ECONNREFUSED/,
    );
    expect((await cli(['ssh', '--help'])).code).toBe(0);
  });

  it('exits 1 with one line on a usage error', async () => {
    expect(await cli(['frobnicate'])).toEqual({
      code: 1,
      out: 'unknown command "frobnicate". Run \'fleetctl help\' for usage.\n',
    });
  });
});
