// The bundled fleetd (scripts/bundle.mjs, what bin/fleetd runs after `npm run build`) as a real
// process: it must read etcd3's gRPC definitions from the bundle itself (no proto files beside
// it), register with a real etcd, run a unit and stop cleanly; it must be one-byte text (a single
// non-ASCII character makes V8 hold the whole script as two-byte text, twice the memory), and V8
// must take its code cache under bin/fleetd's node flags (else the parse's memory stays).
// systemd is faked (this host has no system bus): the test fixture is bundled as main.js is.
// Nothing is compiled here: CI builds first; without dist/ this fails clearly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFleetd, fleetdNodeFlags, writeFleetdScript } from '../scripts/bundle.mjs';
import { FAKE_SYSTEMD_FLEETD } from './testing/index.js';
import { VERSION } from './version.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ID = 'b0d1e000000000000000000000000001';

describe('the bundled fleetd', () => {
  let dir: string;
  let loader: string;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    if (!existsSync(FAKE_SYSTEMD_FLEETD))
      throw new Error(`${FAKE_SYSTEMD_FLEETD} is missing: build first (npx tsc -b)`);
    dir = await mkdtemp(join(tmpdir(), 'fleetd-bundle-'));
    loader = join(dir, 'fleetd-fake-systemd.cjs');
    bundle = join(dir, 'fleetd-fake-systemd-bundle.cjs');
    inputs = await bundleFleetd({
      entry: FAKE_SYSTEMD_FLEETD,
      outdir: dir,
      name: 'fleetd-fake-systemd',
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is ASCII only, and holds etcd3 and its gRPC definitions', async () => {
    const text = await readFile(bundle, 'latin1');
    expect(text.match(/[^\0-\x7f]+/g) ?? []).toEqual([]);
    expect(inputs.some((f) => f.includes('node_modules/etcd3/lib/connection-pool.js'))).toBe(true);
    expect(text).not.toContain('rpc.proto');
  });

  it("leaves zod's translations out, English excepted", () => {
    expect(inputs.filter((f) => /node_modules\/zod\/v4\/locales\//.test(f))).toEqual([
      'node_modules/zod/v4/locales/en.js',
    ]);
  });

  it('gives classes their names back (error types), not other functions', async () => {
    const entry = join(dir, 'names.js');
    await writeFile(
      entry,
      'class ConfigError extends Error { constructor(m) { super(m); this.name = new.target.name; } }\n' +
        'function helperFunction() { return 1; }\n' +
        'module.exports = { error: new ConfigError("x").name, fn: helperFunction.name };\n',
    );
    const outfile = join(dir, 'names.cjs');
    await writeFleetdScript({ entry, outfile });
    const run = spawnSync(
      process.execPath,
      ['-e', 'process.stdout.write(JSON.stringify(require(process.argv[1])))', outfile],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const names = JSON.parse(run.stdout) as { error: string; fn: string };
    expect(names.error).toBe('ConfigError');
    expect(names.fn).not.toBe('helperFunction');
  });

  it("is compiled from its code cache under bin/fleetd's node flags", async () => {
    const check =
      "const { readFileSync } = require('node:fs'); const f = process.argv[1];" +
      "const s = new (require('node:vm').Script)(require('node:module').wrap(readFileSync(f, 'latin1'))," +
      " { filename: f, cachedData: readFileSync(f + '.cache') });" +
      'process.stdout.write(String(s.cachedDataRejected));';
    // stdout only: Node 20's V8 warns on stderr that --lite-mode turns WebAssembly off.
    const run = spawnSync(process.execPath, [...(await fleetdNodeFlags()), '-e', check, bundle], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe('false');
  });

  it('bin/fleetd prints its version', async () => {
    const p = spawnTracked('fleetd', join(ROOT, 'bin', 'fleetd'), ['--version'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    expect((await p.exited).code).toBe(0);
    expect(p.log()).toBe(`fleetd version ${VERSION}\n`);
  });

  it('registers with a real etcd, runs a unit, and stops on SIGTERM', async () => {
    const etcd = await EtcdCluster.start();
    const registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix: '/fleetd-bundle/' });
    let p: TrackedProcess | undefined;
    try {
      await writeFile(join(dir, 'machine-id'), `${ID}\n`);
      const flags = {
        etcd_servers: etcd.endpoints.join(','),
        etcd_key_prefix: '/fleetd-bundle/',
        machine_id_file: join(dir, 'machine-id'),
        units_directory: join(dir, 'units'),
        listen_unix: join(dir, 'fleet.sock'),
        public_ip: '127.0.0.1',
      };
      const args = Object.entries(flags).map(([k, v]) => `--${k}=${v}`);
      p = spawnTracked(
        'fleetd',
        process.execPath,
        [...(await fleetdNodeFlags()), loader, ...args],
        {
          env: { PATH: process.env.PATH ?? '' },
        },
      );
      const running = p;
      await waitFor(() => running.log().includes('machine registered'), {
        timeoutMs: 60_000,
        what: 'the bundled fleetd to register',
      });
      await registry.createUnit({
        name: 'bundled.service',
        options: [{ section: 'Service', name: 'ExecStart', value: '/usr/bin/sleep 1000' }],
        desiredState: 'launched',
      });
      await waitFor(
        async () =>
          (await registry.listUnitStates()).items.some(
            (s) => s.unit === 'bundled.service' && s.machineId === ID && s.activeState === 'active',
          ),
        { timeoutMs: 60_000, what: 'the unit to run on the bundled fleetd' },
      );
      running.signal('SIGTERM');
      expect(await running.exited, running.log()).toEqual({ code: 0, signal: null });
      expect(running.log()).toContain('fleetd stopped');
    } finally {
      await p?.kill();
      await registry.close();
      await etcd.stop();
    }
  }, 180_000);
});
