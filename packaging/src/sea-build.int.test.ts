// The `fleet` executable alone (sea-build.ts, no .deb): it runs under bin/fleetd's node flags, V8
// takes the code cache of each program it carries, and its fleetd is the bundle bin/fleetd runs
// (packages/fleetd/scripts/bundle.mjs's options, etcd3's protos inlined there and only there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetdNodeFlags, writeFleetdScript } from '../../packages/fleetd/scripts/bundle.mjs';
import { ROOT } from './build.js';
import { bundleFleet, FLEETD_ENTRY, fleetdAssetOptions } from './bundle.js';
import { readAssets, scriptKey } from './sea-asset.js';
import { buildExecutable, node24 } from './sea-build.js';

/** Preloaded through NODE_OPTIONS: node's flags, then whether V8 took each script's cache. */
const PROBE = `const vm = require('node:vm');
const Script = vm.Script;
process.stderr.write('execArgv ' + JSON.stringify(process.execArgv) + '\\n');
vm.Script = class extends Script {
  constructor(source, opts) {
    super(source, opts);
    process.stderr.write('cache ' + opts.filename + ' ' + (opts.cachedData !== undefined && !this.cachedDataRejected) + '\\n');
  }
};
`;

describe('the fleet executable', () => {
  let dir: string;
  let exe: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-sea-build-'));
    exe = join(dir, 'fleet');
    const bundles = await bundleFleet(ROOT, join(dir, 'work'));
    await buildExecutable(ROOT, node24(ROOT), bundles, exe);
    writeFileSync(join(dir, 'probe.cjs'), PROBE);
  }, 300_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const probe = (args: string[]) =>
    spawnSync(exe, args, {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${join(dir, 'probe.cjs')}` },
    });

  it("runs under bin/fleetd's node flags, and V8 takes fleetd's code cache", async () => {
    const r = probe(['fleetd', '--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`execArgv ${JSON.stringify(await fleetdNodeFlags())}\n`);
    expect(r.stderr).toContain('cache /usr/bin/fleet/fleetd.cjs true\n');
  });

  it("V8 takes fleetctl's code cache", () => {
    const r = probe(['fleetctl', 'help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('cache /usr/bin/fleet/fleetctl.cjs true\n');
  });

  it("carries as fleetd the bundle bin/fleetd's bundler makes of fleetd's sources", async () => {
    const carried = readAssets([scriptKey('fleetd')], exe).get(scriptKey('fleetd'));
    const outfile = join(dir, 'again', 'fleetd.cjs');
    await writeFleetdScript({
      entry: join(ROOT, FLEETD_ENTRY),
      outfile,
      options: fleetdAssetOptions(ROOT),
    });
    expect(carried?.equals(readFileSync(outfile))).toBe(true);
    // etcd3's gRPC definitions inlined as JSON (keepCase field names), no .proto file to read
    const text = carried?.toString('latin1') ?? '';
    expect(text.match(/[^\0-\x7f]+/g)?.length ?? 0).toBe(0);
    expect(text.includes('"range_end"')).toBe(true);
    expect(text.includes('rpc.proto')).toBe(false);
  });
});
