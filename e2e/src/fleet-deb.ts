// fleet's .deb, as `npm run package` builds it, for the machines to install: built once for the
// sources it is made from and kept in the e2e cache (keyed by a hash of those sources and the
// lockfile), so that every test file, the demo and the next run use the same file without
// building again. FLEET_E2E_DEB names a .deb to use instead (it is not checked against the sources).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireLock } from './lock.js';
import { projectDir } from './project.js';
import { cacheDir } from './rootfs.js';
import { runOk } from './run.js';

/** What `npm run package` reads: files, and directories walked (minus SKIP_*). */
const INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.base.json',
  'scripts/node24.sh',
  // bin/fleetd's `flags=` line: the executable's node flags (packaging/src/sea-build.ts).
  'bin/fleetd',
  'units',
  'packages',
  'packaging',
] as const;
/** Build output, dependencies, and what no program is built from. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'bench', 'fuzz']);
const SKIP_FILES = /\.test\.(?:ts|mjs)$|\.tsbuildinfo$/;
/** A build unused this long is removed by the next build (other checkouts share the cache). */
const KEEP_UNUSED_MS = 3 * 24 * 3600_000;
const BUILD_TIMEOUT_MS = 600_000;

const say = (line: string): void => void process.stderr.write(`[deb] ${line}\n`);

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const path = join(root, rel);
  const s = await stat(path).catch(() => undefined);
  if (s === undefined) return;
  if (s.isFile()) {
    if (!SKIP_FILES.test(rel)) out.push(rel);
    return;
  }
  if (!s.isDirectory()) return;
  for (const name of (await readdir(path)).sort()) {
    if (name.startsWith('.') || SKIP_DIRS.has(name)) continue;
    await walk(root, join(rel, name), out);
  }
}

/** A hash of every file the package is built from (names and contents), 16 hex digits. */
export async function sourceHash(root = projectDir()): Promise<string> {
  const files: string[] = [];
  for (const input of INPUTS) await walk(root, input, files);
  const h = createHash('sha256');
  for (const f of files) {
    const body = await readFile(join(root, f));
    h.update(`${f}\0${body.length}\0`).update(body);
  }
  return h.digest('hex').slice(0, 16);
}

async function findDeb(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const deb = names.find((n) => n.endsWith('.deb'));
  return deb === undefined ? undefined : join(dir, deb);
}

/** Removes the builds in `dir` (but `keep`) that no run has used for a while. */
async function prune(dir: string, keep: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name === keep || name.endsWith('.lock')) continue;
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s !== undefined && Date.now() - s.mtimeMs > KEEP_UNUSED_MS) {
      await rm(join(dir, name), { recursive: true, force: true });
    }
  }
}

async function buildOrReuse(): Promise<string> {
  const given = process.env['FLEET_E2E_DEB'];
  if (given !== undefined && given !== '') {
    await stat(given).catch(() => {
      throw new Error(`FLEET_E2E_DEB=${given}: no such file`);
    });
    return given;
  }
  const root = projectDir();
  const hash = await sourceHash(root);
  const dir = join(cacheDir(), 'deb');
  const final = join(dir, hash);
  const cached = await findDeb(final);
  if (cached !== undefined) {
    const now = new Date();
    await utimes(final, now, now); // used: kept by prune()
    return cached;
  }
  await mkdir(dir, { recursive: true });
  const lock = await acquireLock(join(dir, 'build.lock'), {
    timeoutMs: BUILD_TIMEOUT_MS + 60_000,
    onWait: () => say('waiting for another build of the .deb to finish'),
  });
  try {
    const built = await findDeb(final);
    if (built !== undefined) return built;
    const work = join(dir, `.build-${hash}-${process.pid}`);
    const t0 = Date.now();
    say(`building fleet's .deb for these sources (${hash}): npm run package`);
    try {
      await runOk('npm', ['--prefix', root, 'run', 'package', '--', '--out', work], {
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      // The executable and the tarball are not needed: only the .deb is kept.
      for (const name of await readdir(work)) {
        if (!name.endsWith('.deb')) await rm(join(work, name), { recursive: true, force: true });
      }
      await rm(final, { recursive: true, force: true });
      await rename(work, final);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    say(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${final}`);
    await prune(dir, hash);
    const deb = await findDeb(final);
    if (deb === undefined) throw new Error(`npm run package left no .deb in ${final}`);
    return deb;
  } finally {
    await lock.release();
  }
}

let pending: Promise<string> | undefined;

/**
 * The path of fleet's .deb built from this checkout's sources (built now if the cache has none;
 * once per process however often it is asked for).
 */
export function fleetDeb(): Promise<string> {
  pending ??= buildOrReuse().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}
