// The `fleet` executable: a Node 24 single-executable application (SEA) over the bundles of
// bundle.ts. It runs under the node flags bin/fleetd gives node (its `flags='…'` line: a smaller
// young generation, V8's lite mode; `npm run bench:memory` measures them), set by the SEA config's
// execArgv, so the packaged fleetd takes the memory bin/fleetd does. V8 takes a code cache only
// from its own version and flags: the main script's cache (useCodeCache) and each asset's are made
// by the same Node 24 under the same flags. fleetd and fleetctl follow the ELF image, where they
// are read rather than mapped (sea-asset.ts).
//   tsx packaging/src/sea-build.ts --out FILE [--fleetd-entry packages/fleetd/src/testing/…]
// builds the executable alone (the memory benchmark's, with fleetd's test fixture inside).
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fleetdNodeFlags, writeCodeCache } from '../../packages/fleetd/scripts/bundle.mjs';
import { bundleFleet, FLEETD_ENTRY, type Bundles } from './bundle.js';
import { ASSETS, assetTrailer, cacheKey, scriptKey } from './sea-asset.js';

/** postject's sentinel: the fuse a Node single-executable application is built with. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Runs a program; its output is shown only when it fails, in the error. */
export function run(file: string, args: readonly string[], opts: { cwd?: string } = {}): string {
  const res = spawnSync(file, args, { cwd: opts.cwd, encoding: 'utf8' });
  if (res.error !== undefined || res.status !== 0) {
    const why = res.error?.message ?? `exit ${res.status ?? res.signal}`;
    throw new Error(
      `package: ${basename(file)} ${args.join(' ')}: ${why}\n${res.stdout ?? ''}${res.stderr ?? ''}`,
    );
  }
  return res.stdout;
}

export const has = (program: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;

/** The pinned Node 24 (scripts/node24.sh), the runtime inside the executable. */
export function node24(root: string): string {
  const bin = run('bash', [join(root, 'scripts/node24.sh')]).trim();
  return join(bin, 'node');
}

/**
 * The SEA config: the main script, the blob, and the node flags it runs under. The programs are
 * no SEA assets: they follow the ELF image (sea-asset.ts).
 */
export function seaConfig(opts: {
  readonly main: string;
  readonly blob: string;
  readonly flags: readonly string[];
}): Record<string, unknown> {
  return {
    main: opts.main,
    output: opts.blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    execArgv: [...opts.flags],
  };
}

/**
 * Builds the executable at `file` from `bundles`, with `node` (Node 24) as the runtime, under
 * node flags `flags` (bin/fleetd's by default).
 */
export async function buildExecutable(
  root: string,
  node: string,
  bundles: Bundles,
  file: string,
  flags?: readonly string[],
): Promise<void> {
  const nodeFlags = flags ?? (await fleetdNodeFlags());
  const work = dirname(bundles.main);
  const blob = join(work, 'fleet.blob');
  const config = join(work, 'sea-config.json');
  const assets = new Map<string, Buffer>();
  for (const name of ASSETS) {
    const script = bundles.assets[name];
    await writeCodeCache({ script, node, flags: nodeFlags });
    assets.set(scriptKey(name), readFileSync(script));
    assets.set(cacheKey(name), readFileSync(`${script}.cache`));
  }
  writeFileSync(config, JSON.stringify(seaConfig({ main: bundles.main, blob, flags: nodeFlags })));
  // The main script's code cache is made here: by this node, under the flags it will run with.
  run(node, [...nodeFlags, '--experimental-sea-config', config], { cwd: work });
  const made = join(work, 'fleet');
  copyFileSync(node, made);
  if (has('strip')) run('strip', [made]);
  else console.error('package: no `strip` (binutils): the executable keeps debug symbols');
  const postject = join(root, 'node_modules/postject/dist/cli.js');
  run(process.execPath, [postject, made, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  appendFileSync(made, assetTrailer(statSync(made).size, assets));
  // Copied, not moved: postject writes the file in one piece, and while the page cache holds it
  // so (Linux 6.18, ext4) every fleetd started from it mapped ~18 MiB more of the executable
  // (88 MiB RSS idle, 70 MiB from any copy of the same file: cp, cat, this, dpkg's, tar's).
  copyFileSync(made, file);
  chmodSync(file, 0o755);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, 'fleetd-entry': { type: 'string' } },
  });
  if (values.out === undefined) throw new Error('sea-build: --out FILE is required');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const work = mkdtempSync(join(tmpdir(), 'fleet-sea-'));
  try {
    const bundles = await bundleFleet(root, work, values['fleetd-entry'] ?? FLEETD_ENTRY);
    await buildExecutable(root, node24(root), bundles, resolve(values.out));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
