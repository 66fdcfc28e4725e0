import { spawnTracked } from '@fleet/testkit';
import { onLines, tail } from './run.js';

/** An exclusive lock held until `release()` (or until the holding process dies). */
export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Called once if the lock is not free at once (someone else holds it). */
  onWait?: () => void;
}

const LOCKED = 'fleet-e2e-locked';

/**
 * Takes an exclusive `flock(2)` on `path` (created if missing). The lock is held by a small
 * `flock … cat` helper process reading our stdin, so the kernel drops it when that helper ends:
 * on `release()`, when the test process dies (stdin closes), or when the helper is killed. A crash
 * can therefore never leave a stale lock behind.
 */
export async function acquireLock(path: string, opts: LockOptions): Promise<HeldLock> {
  const seconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const holder = spawnTracked(
    `flock ${path}`,
    'flock',
    ['--exclusive', '--wait', String(seconds), path, 'sh', '-c', `echo ${LOCKED}; exec cat`],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const got = new Promise<boolean>((resolve) => {
    onLines(holder.child.stdout, (line) => {
      if (line === LOCKED) resolve(true);
    });
    void holder.exited.then(() => resolve(false));
  });
  const waitNotice = setTimeout(() => opts.onWait?.(), 1_000);
  const ok = await got;
  clearTimeout(waitNotice);
  if (!ok) {
    throw new Error(`could not lock ${path} within ${seconds} s\n${tail(holder.log(), 5)}`);
  }
  return {
    async release(): Promise<void> {
      holder.child.stdin?.end();
      await holder.stop(2_000);
    },
  };
}
