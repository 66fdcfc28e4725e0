import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { sleep } from './wait.js';

/**
 * A child process started by a test. Every tracked process is remembered until it exits, and is
 * killed (SIGKILL) if the test process itself exits first, so a failing test leaves nothing behind.
 * Only processes started here are ever signalled.
 */
export class TrackedProcess {
  readonly pid: number;
  private readonly output: string[] = [];
  private outputBytes = 0;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name}: process did not start`);
    this.pid = child.pid;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      this.outputBytes += chunk.length;
      while (this.outputBytes > 256 * 1024 && this.output.length > 1) {
        this.outputBytes -= Buffer.byteLength(this.output.shift() ?? '');
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        live.delete(this);
        resolve({ code, signal });
      });
    });
    live.add(this);
  }

  get running(): boolean {
    return !this.done;
  }

  /** The last 256 KB of combined stdout and stderr. */
  log(): string {
    return this.output.join('');
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.done) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const res = await Promise.race([
      this.exited.then(() => true),
      sleep(graceMs).then(() => false),
    ]);
    if (!res) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** SIGKILL (a power cut); resolves once the process has exited. */
  async kill(): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const live = new Set<TrackedProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const p of live) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Starts a tracked child process (stdout and stderr captured, stdin closed). */
export function spawnTracked(
  name: string,
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): TrackedProcess {
  hookExit();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) {
    // spawn reports a missing binary or a bad cwd asynchronously; swallow that event and say it now.
    child.once('error', () => undefined);
    throw new Error(`${name}: could not start ${command} (is it installed and on PATH?)`);
  }
  child.on('error', () => undefined); // a failed kill() of an exited process is not a test failure
  return new TrackedProcess(name, child);
}

/** The processes started through `spawnTracked` that are still running. */
export function liveProcesses(): readonly TrackedProcess[] {
  return [...live];
}
