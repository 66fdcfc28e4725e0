// `npm run package`: dist-package/ with the `fleet` executable, the .deb, the tarball and
// SHA256SUMS over the three. Needs Node 24 (scripts/node24.sh fetches the pinned one), dpkg-deb
// and tar; `strip` (binutils) when present takes the runtime's debug symbols out (~18 MB).
//   npm run package            # or: tsx packaging/src/build.ts [--out DIR] [--version X.Y.Z]
// --version builds under another version than package.json's (version-stamp.ts), e.g. the second
// build of an upgrade test.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleFleet, type Bundles } from './bundle.js';
import {
  CONFFILES,
  control,
  debianVersion,
  FLEET_CONF,
  installText,
  packagedUnit,
  POSTINST,
  POSTRM,
  PRERM,
  UNIT_FILES,
} from './deb.js';
import { buildExecutable, node24, run } from './sea-build.js';
import { stampVersion } from './version-stamp.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackageResult {
  readonly version: string;
  readonly executable: string;
  readonly deb: string;
  readonly tarball: string;
  readonly sums: string;
  /** Seconds spent in each step. */
  readonly seconds: Readonly<Record<string, number>>;
}

/** The size of a directory tree in KiB, as dpkg counts Installed-Size (rounded up per file). */
function treeKiB(dir: string): number {
  const out = run('du', ['-s', '--apparent-size', '--block-size=1024', dir]);
  return Number(out.split('\t')[0]);
}

function writeUnits(root: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of UNIT_FILES) {
    const text = readFileSync(join(root, 'units', name), 'utf8');
    writeFileSync(join(dir, name), packagedUnit(name, text), { mode: 0o644 });
  }
}

function buildDeb(root: string, work: string, exe: string, version: string, out: string): string {
  const tree = join(work, 'deb');
  mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
  mkdirSync(join(tree, 'usr/bin'), { recursive: true });
  copyFileSync(exe, join(tree, 'usr/bin/fleet'));
  chmodSync(join(tree, 'usr/bin/fleet'), 0o755);
  symlinkSync('fleet', join(tree, 'usr/bin/fleetd'));
  symlinkSync('fleet', join(tree, 'usr/bin/fleetctl'));
  writeUnits(root, join(tree, 'usr/lib/systemd/system'));
  mkdirSync(join(tree, 'etc/fleet'), { recursive: true });
  writeFileSync(join(tree, 'etc/fleet/fleet.conf'), FLEET_CONF, { mode: 0o644 });
  const size = treeKiB(tree);
  writeFileSync(join(tree, 'DEBIAN/control'), control({ version, installedSizeKiB: size }));
  writeFileSync(join(tree, 'DEBIAN/conffiles'), CONFFILES);
  for (const [name, text] of [
    ['postinst', POSTINST],
    ['prerm', PRERM],
    ['postrm', POSTRM],
  ] as const) {
    writeFileSync(join(tree, 'DEBIAN', name), text, { mode: 0o755 });
  }
  const deb = join(out, `fleet_${debianVersion(version)}_amd64.deb`);
  // xz -1: a third of xz -6's time (about a minute for this executable), 15 % larger.
  run('dpkg-deb', ['--build', '--root-owner-group', '-Zxz', '-z1', tree, deb]);
  return deb;
}

function buildTarball(root: string, work: string, exe: string, version: string, out: string) {
  const name = `fleet-${version}-linux-x64`;
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(exe, join(dir, 'fleet'));
  chmodSync(join(dir, 'fleet'), 0o755);
  writeUnits(root, join(dir, 'units'));
  writeFileSync(join(dir, 'fleet.conf'), FLEET_CONF);
  writeFileSync(join(dir, 'INSTALL'), installText(version));
  const tarball = join(out, `${name}.tar.gz`);
  run('tar', [
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--sort=name',
    '-czf',
    tarball,
    '-C',
    work,
    name,
  ]);
  return tarball;
}

/** `sha256sum` lines for `files` (names only: run `sha256sum -c` in their directory). */
export function sha256Sums(files: readonly string[]): string {
  return files
    .map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${basename(f)}\n`)
    .join('');
}

/** Rewrites the bundles' files so that both programs report `to` instead of `from`. */
function stampBundles(bundles: Bundles, from: string, to: string): void {
  const files = [bundles.main, ...Object.values(bundles.assets)];
  const stamped = stampVersion(
    Object.fromEntries(files.map((f) => [f, readFileSync(f, 'utf8')])),
    from,
    to,
  );
  for (const [file, text] of Object.entries(stamped)) writeFileSync(file, text);
}

/** Checks that the executable reports `version` as fleetctl and as fleetd. */
function checkVersion(exe: string, version: string): void {
  for (const [args, want] of [
    [['fleetctl', 'version'], `fleetctl version ${version}\n`],
    [['fleetd', '--version'], `fleetd version ${version}\n`],
  ] as const) {
    const said = execFileSync(exe, args, { encoding: 'utf8' });
    if (said !== want) {
      throw new Error(`package: the executable said ${JSON.stringify(said)} to ${args.join(' ')}`);
    }
  }
}

/**
 * Builds everything into `out` (emptied first), as package.json's version or as `version`
 * (npm's form, x.y.z[-pre]).
 */
export async function buildPackage(
  opts: { root?: string; out?: string; version?: string } = {},
): Promise<PackageResult> {
  const root = opts.root ?? ROOT;
  const out = resolve(opts.out ?? join(root, 'dist-package'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const version = opts.version ?? pkg.version;
  try {
    debianVersion(version);
  } catch (err) {
    if (opts.version === undefined) throw err;
    throw new Error(`package: --version ${JSON.stringify(version)} is not x.y.z[-pre]`, {
      cause: err,
    });
  }
  rmSync(out, { recursive: true, force: true });
  const work = join(out, '.work');
  mkdirSync(work, { recursive: true });
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    seconds[step] = Math.round(now - t) / 1000;
    t = now;
  };
  try {
    const bundles = await bundleFleet(root, work);
    if (version !== pkg.version) stampBundles(bundles, pkg.version, version);
    lap('bundle');
    const node = node24(root);
    lap('node24');
    const exe = join(out, 'fleet');
    await buildExecutable(root, node, bundles, exe);
    checkVersion(exe, version);
    lap('executable');
    const deb = buildDeb(root, work, exe, version, out);
    lap('deb');
    const tarball = buildTarball(root, work, exe, version, out);
    lap('tarball');
    const sums = join(out, 'SHA256SUMS');
    writeFileSync(sums, sha256Sums([exe, deb, tarball]));
    lap('sums');
    return { version, executable: exe, deb, tarball, sums, seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const mib = (file: string) => `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, version: { type: 'string' } },
  });
  const started = performance.now();
  const r = await buildPackage({
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.version === undefined ? {} : { version: values.version }),
  });
  const total = ((performance.now() - started) / 1000).toFixed(1);
  for (const f of [r.executable, r.deb, r.tarball]) console.log(`${mib(f).padStart(10)}  ${f}`);
  console.log(`            ${r.sums}`);
  const steps = Object.entries(r.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`);
  console.log(`built in ${total} s (${steps.join(', ')})`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
