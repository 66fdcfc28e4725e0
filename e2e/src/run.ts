import type { Readable } from 'node:stream';
import { spawnTracked } from '@fleet/testkit';
import { withDeadline } from './deadline.js';

/** What a finished command produced. */
export interface RunResult {
  /** Exit code, or `null` if the command was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command (SIGKILL) and throw after this many milliseconds (default 60 s). */
  timeoutMs?: number;
  /** The full environment of the command (default: the test process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Text written to the command's stdin (default: no stdin). */
  stdin?: string;
}

/** Calls `cb` with each complete line read from `stream` (the last partial line at its end). */
export function onLines(stream: Readable | null, cb: (line: string) => void): void {
  if (stream === null) return;
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) cb(p);
  });
  stream.on('end', () => {
    if (rest !== '') cb(rest);
    rest = '';
  });
}

/** The last `n` non-empty lines of `text`, for error messages. */
export function tail(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

/**
 * Runs a short command to completion as a tracked process (so it cannot outlive the test run) and
 * returns its exit code and output. Never throws for a non-zero exit; throws on timeout.
 */
export async function run(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const proc = spawnTracked(command, command, args, {
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.stdin === undefined ? {} : { stdio: ['pipe', 'pipe', 'pipe'] as const }),
  });
  const out: string[] = [];
  const err: string[] = [];
  proc.child.stdout?.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  proc.child.stderr?.on('data', (c: Buffer) => err.push(c.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => {
    proc.child.once('close', (code) => resolve(code));
  });
  if (opts.stdin !== undefined) {
    proc.child.stdin?.on('error', () => undefined); // it may exit before reading it all
    proc.child.stdin?.end(opts.stdin);
  }
  const cmd = [command, ...args].join(' ');
  const res = await withDeadline(closed, timeoutMs, cmd).catch(async (e: unknown) => {
    await proc.kill();
    throw new Error(`${cmd}: no exit after ${timeoutMs} ms\n${tail(proc.log(), 20)}`, {
      cause: e,
    });
  });
  return { code: res, stdout: out.join(''), stderr: err.join('') };
}

/** Like {@link run}, but throws (with the command and the end of its output) unless it exits 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const res = await run(command, args, opts);
  if (res.code !== 0) {
    const cmd = [command, ...args].join(' ');
    throw new Error(
      `${cmd}: exit ${String(res.code)}\n${tail(res.stdout + '\n' + res.stderr, 20)}`,
    );
  }
  return res;
}
