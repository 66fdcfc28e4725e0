import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { withDeadline } from './deadline.js';

const DISARM = 'disarm';

/**
 * A cleanup that runs even if the test process is killed: a detached `sh` that blocks reading a
 * pipe from us and runs `script` once that pipe closes, which happens when we call `release()` or
 * when the test process ends in any way (normal exit, crash, SIGTERM, SIGKILL). `disarm()` ends
 * it without running the script.
 *
 * It is deliberately not a tracked process: the exit hook of `spawnTracked` would SIGKILL it
 * before it could clean up. It has its own process group, so a Ctrl-C meant for the test run does
 * not stop it either, and it ends by itself once the script has run.
 */
export class CleanupGuard {
  private readonly exited: Promise<number | null>;
  private stderr = '';

  private constructor(
    private readonly what: string,
    private readonly child: ReturnType<typeof spawn>,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    // Neither the child nor its pipes keep the test process alive.
    child.unref();
    (child.stdin as Socket | null)?.unref();
    (child.stderr as Socket | null)?.unref();
  }

  /** Arms a guard that will run `script` (POSIX sh) on release or on our death. */
  static arm(what: string, script: string): CleanupGuard {
    const child = spawn(
      'sh',
      ['-c', `read -r word\n[ "$word" = ${DISARM} ] && exit 0\n${script}`],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
        detached: true,
      },
    );
    return new CleanupGuard(what, child);
  }

  /** Ends the guard without running its script (the work it guarded finished normally). */
  async disarm(timeoutMs = 5_000): Promise<void> {
    this.child.stdin?.end(`${DISARM}\n`);
    await withDeadline(this.exited, timeoutMs, `${this.what} guard to end`);
  }

  /** Runs the cleanup now and waits for it to finish (throws if it fails or takes too long). */
  async release(timeoutMs = 20_000): Promise<void> {
    this.child.stdin?.end();
    const code = await withDeadline(this.exited, timeoutMs, `cleanup of ${this.what}`);
    if (code !== 0) {
      throw new Error(`cleanup of ${this.what} failed (exit ${String(code)}): ${this.stderr}`);
    }
  }
}
