// fleetctl loads no server code: nothing of @fleet/api or @fleet/registry, and neither etcd3,
// gRPC, protobufjs nor prom-client. The compiled program and the bundle run `version` and an API
// command (against a real API on a unix socket) with a preload that records every module the
// process loads: each ES module URL it resolves (a module.register resolve hook) and every
// CommonJS file in require.cache at exit. The bundle's inputs are checked too.
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnTracked } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestBundle,
  COMPILED_MAIN,
  PACKAGE_DIR,
  requireCompiled,
  type TestBundle,
} from '../testing/bundle.js';
import { Harness, M1 } from '../testing/harness.js';

/** What fleetctl must never load. */
const SERVER_CODE = [
  /\/packages\/(api|registry)\//,
  /\/node_modules\/(etcd3|@grpc|protobufjs|prom-client)\//,
];

const serverCode = (paths: readonly string[]) =>
  paths.filter((p) => SERVER_CODE.some((re) => re.test(p)));

const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(log, r.url + '\\n');
  return r;
}
`;

const PRELOAD = `
const { appendFileSync } = require('node:fs');
const { register } = require('node:module');
const { pathToFileURL } = require('node:url');
const log = process.env.FLEETCTL_TEST_MODULE_LOG;
register(pathToFileURL(${JSON.stringify('HOOKS')}).href, { data: { log } });
process.on('exit', () => appendFileSync(log, Object.keys(require.cache).join('\\n') + '\\n'));
`;

describe('the modules fleetctl loads', () => {
  let h: Harness;
  let bundled: TestBundle;
  let preload: string;
  let hooks: string;
  let runs = 0;

  beforeAll(async () => {
    requireCompiled();
    h = await Harness.start();
    await h.machine(M1);
    hooks = join(h.dir, 'hooks.mjs');
    await writeFile(hooks, HOOKS);
    preload = join(h.dir, 'preload.cjs');
    await writeFile(preload, PRELOAD.replace('"HOOKS"', JSON.stringify(hooks)));
    bundled = await buildTestBundle();
  });
  afterAll(async () => {
    await bundled?.remove();
    await h?.close();
  });

  /** Runs `node <main> ...args` under the preload: its output and every module it loaded. */
  async function loaded(main: string, args: readonly string[]) {
    const log = join(h.dir, `modules-${++runs}.log`);
    await writeFile(log, '');
    const p = spawnTracked('fleetctl', process.execPath, ['--require', preload, main, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: h.dir, FLEETCTL_TEST_MODULE_LOG: log },
    });
    const { code } = await p.exited;
    // Node 24 passes the hooks module itself through its resolve hook: the recorder, not fleetctl.
    const recorder = pathToFileURL(hooks).href;
    const modules = (await readFile(log, 'utf8'))
      .split('\n')
      .filter((l) => l !== '' && l !== recorder);
    return { code, out: p.log(), modules };
  }

  describe.each([
    ['the compiled program (dist/main.js)', () => COMPILED_MAIN],
    ['the bundle (bin/fleetctl)', () => bundled.main],
  ])('%s', (_name, main) => {
    it('runs version without loading server code, the client or any command', async () => {
      const r = await loaded(main(), ['version']);
      expect(r.out).toMatch(/^fleetctl version \d+\.\d+\.\d+\n$/);
      expect(r.code).toBe(0);
      expect(r.modules.some((m) => m.includes('/packages/fleetctl/'))).toBe(true);
      expect(serverCode(r.modules)).toEqual([]);
      // Nor the client, a command, the parser or the rest of the bundle: version is answered first.
      const beyond = /\/packages\/client\/|\/commands\/|yargs|fleetctl-cli\.cjs$/;
      expect(r.modules.filter((m) => beyond.test(m))).toEqual([]);
    });

    it('talks to the API (list-machines) without loading server code', async () => {
      const r = await loaded(main(), ['--endpoint', h.endpoint, 'list-machines', '--no-legend']);
      expect(r.out).toBe('c31e44e1...\t127.0.0.1\t-\tschedulable\n');
      expect(r.code).toBe(0);
      // The client was loaded (from its package, or inside the bundle), and nothing else.
      expect(r.modules.some((m) => /\/packages\/client\/|fleetctl-cli\.cjs$/.test(m))).toBe(true);
      expect(serverCode(r.modules)).toEqual([]);
    });
  });

  it('the bundle runs an API command from its two files alone (yargs-parser inside)', async () => {
    const r = await loaded(bundled.main, ['--endpoint', h.endpoint, 'list-machines']);
    expect(r.code).toBe(0);
    // Not even an ES module: importing one (yargs-parser is one) starts node's ESM loader.
    const files = r.modules.filter((m) => !m.startsWith('node:'));
    expect(files.map((m) => m.slice(m.lastIndexOf('/') + 1)).sort()).toEqual([
      'fleetctl-cli.cjs',
      'fleetctl.cjs',
      'preload.cjs',
    ]);
    expect(bundled.inputs.cli.some((f) => f.includes('/yargs-parser/'))).toBe(true);
  });

  it('the bundle comes with a code cache of the rest of fleetctl that this node uses', async () => {
    const cli = join(bundled.main, '..', 'fleetctl-cli.cjs');
    const loader = join(PACKAGE_DIR, 'dist', 'cli', 'code-cache.js');
    const script =
      `import(${JSON.stringify(loader)}).then((m) => ` +
      `console.log(m.requireWithCodeCache(${JSON.stringify(cli)}).cache))`;
    const p = spawnTracked('node', process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '' },
    });
    const { code } = await p.exited;
    expect([code, p.log()]).toEqual([0, 'used\n']);
    // Trained on list-units: the cache holds more than the file's top level.
    const trained = (await stat(`${cli}.cache`)).size;
    const { writeCodeCache } = await import('./code-cache.js');
    const copy = join(h.dir, 'fleetctl-cli.cjs');
    await copyFile(cli, copy);
    writeCodeCache(copy);
    expect(trained).toBeGreaterThan((await stat(`${copy}.cache`)).size);
  });

  it('bundles the client and no server code', () => {
    const all = [...bundled.inputs.bin, ...bundled.inputs.cli];
    expect(bundled.inputs.cli.some((f) => f.startsWith('packages/client/'))).toBe(true);
    expect(serverCode(all.map((f) => `/${f}`))).toEqual([]);
    // `version` is answered by the small bundle: no client and no command in it.
    expect(bundled.inputs.bin.filter((f) => /client|commands/.test(f))).toEqual([]);
  });
});
