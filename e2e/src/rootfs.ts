import { mkdir, mkdtemp, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { spawnTracked } from '@fleet/testkit';
import { hostDebianMirror } from './apt-mirror.js';
import { withDeadline } from './deadline.js';
import { CleanupGuard } from './guard.js';
import { acquireLock } from './lock.js';
import { removeTree } from './mounts.js';
import { preflight } from './preflight.js';
import { prepareRootfs } from './rootfs-prepare.js';
import { onLines, tail } from './run.js';

/** The Debian suite the machines run (the same as the host, so the host's node runs inside). */
export const SUITE = 'bookworm';

/**
 * Names the cached rootfs. Bump the version whenever the debootstrap command or
 * {@link prepareRootfs} changes, so old caches are not used.
 */
export const ROOTFS_NAME = `rootfs-${SUITE}-v1`;

/** The file written last into a finished rootfs; a rootfs without it is never used. */
export const MARKER = '.fleet-e2e-complete';

const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server'];
const BUILD_TIMEOUT_MS = 20 * 60_000;

/** The cache directory: `$FLEET_E2E_CACHE`, or `/var/cache/fleet-e2e`. */
export function cacheDir(): string {
  return process.env['FLEET_E2E_CACHE'] ?? '/var/cache/fleet-e2e';
}

const say = (line: string): void => void process.stderr.write(`[rootfs] ${line}\n`);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The path of a Debian root filesystem with systemd, D-Bus and sshd, ready to boot read-only
 * under `systemd-nspawn --volatile=overlay`. Built once with debootstrap (progress on stderr) and
 * cached; builds are serialised by a lock and published by an atomic rename, so a half-built rootfs
 * is never used and concurrent or repeated runs are safe.
 */
export async function ensureRootfs(): Promise<string> {
  await preflight();
  const cache = cacheDir();
  const final = join(cache, ROOTFS_NAME);
  if (await exists(join(final, MARKER))) return final;

  await mkdir(cache, { recursive: true });
  const lock = await acquireLock(join(cache, `${ROOTFS_NAME}.lock`), {
    timeoutMs: BUILD_TIMEOUT_MS,
    onWait: () => say(`waiting for another build of ${final} to finish`),
  });
  try {
    // Whoever held the lock before us may have finished the job.
    if (await exists(join(final, MARKER))) return final;
    await removeLeftovers(cache, final);
    await build(final);
    return final;
  } finally {
    await lock.release();
  }
}

/** Half-built trees of earlier runs that died. Only called with the lock held. */
async function removeLeftovers(cache: string, final: string): Promise<void> {
  const prefix = `${basename(final)}.tmp-`;
  for (const name of await readdir(cache)) {
    if (name.startsWith(prefix)) {
      say(`removing unfinished build ${join(cache, name)}`);
      await removeTree(join(cache, name));
    }
  }
  if (await exists(final)) {
    say(`removing ${final}: it has no ${MARKER}`);
    await removeTree(final);
  }
}

async function build(final: string): Promise<void> {
  const started = Date.now();
  const mirror = await hostDebianMirror(SUITE);
  const tmp = await mkdtemp(`${final}.tmp-`);
  say(`building ${final} from ${mirror} (about a minute; cached afterwards)`);
  try {
    await debootstrap(tmp, mirror);
    await prepareRootfs(tmp);
    const info = { suite: SUITE, mirror, packages: PACKAGES, builtAt: new Date().toISOString() };
    await writeFile(join(tmp, MARKER), JSON.stringify(info, null, 2) + '\n');
    await rename(tmp, final);
  } catch (err) {
    await removeTree(tmp).catch(() => undefined);
    throw err;
  }
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${final}`);
}

async function debootstrap(target: string, mirror: string): Promise<void> {
  const args = ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, target, mirror];
  // Its own process group, so that the whole of it (dpkg, chroot, …) can be killed at once: on
  // timeout, or by the guard if the test run dies while debootstrap works.
  const proc = spawnTracked('debootstrap', 'debootstrap', args, { detached: true });
  const guard = CleanupGuard.arm('debootstrap', `kill -9 -${proc.pid} 2>/dev/null; true`);
  onLines(proc.child.stdout, say);
  onLines(proc.child.stderr, say);
  const res = await withDeadline(proc.exited, BUILD_TIMEOUT_MS, 'debootstrap').catch(
    () => 'timeout' as const,
  );
  if (res === 'timeout') {
    await guard.release();
    await proc.exited;
  } else {
    await guard.disarm();
  }
  if (res === 'timeout' || res.code !== 0) {
    const how = res === 'timeout' ? `no exit after ${BUILD_TIMEOUT_MS} ms` : `exit ${res.code}`;
    const log = await readTail(join(target, 'debootstrap', 'debootstrap.log'));
    throw new Error(
      `debootstrap ${args.join(' ')}: ${how}\n${tail(proc.log(), 15)}\n` +
        `--- debootstrap/debootstrap.log\n${log}`,
    );
  }
}

async function readTail(path: string): Promise<string> {
  return readFile(path, 'utf8').then(
    (t) => tail(t, 25),
    () => '(none)',
  );
}
