// Running a command or a shell over an SSH connection: output copied to ours, stdin forwarded
// when asked, a pseudo-terminal when ours is one, and the remote exit status returned.
import type { Readable, Writable } from 'node:stream';
import type { ClientChannel, ExecOptions, PseudoTtyOptions, ShellOptions } from 'ssh2';
import { signalStatus } from '../remote/exit-status.js';
import { forwardsAgent, type SshClient } from './connect.js';

/** Streams of one remote command. */
export interface RemoteIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Forwarded to the command when given; otherwise the command's stdin is closed. */
  readonly stdin?: Readable;
  /** A pseudo-terminal of this size and type (for interactive use). */
  readonly pty?: PseudoTtyOptions;
}

type RawModeStream = Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => void };

function attach(ch: ClientChannel, io: RemoteIo, resolve: (code: number) => void): void {
  let code = 255;
  ch.pipe(io.stdout, { end: false });
  ch.stderr.pipe(io.stderr, { end: false });
  const stdin = io.stdin as RawModeStream | undefined;
  const raw = io.pty !== undefined && stdin?.isTTY === true && stdin.setRawMode !== undefined;
  if (raw) stdin.setRawMode?.(true);
  if (stdin !== undefined) stdin.pipe(ch);
  else ch.end();
  const resize = () => {
    const out = io.stdout as { rows?: number; columns?: number };
    if (out.rows !== undefined && out.columns !== undefined)
      ch.setWindow(out.rows, out.columns, 0, 0);
  };
  if (io.pty !== undefined) io.stdout.on('resize', resize);
  ch.on('exit', (status: number | null, signal?: string) => {
    code = typeof status === 'number' ? status : signal === undefined ? 255 : signalStatus(signal);
  });
  ch.once('end', () => ch.end());
  ch.once('close', () => {
    if (stdin !== undefined) {
      stdin.unpipe(ch);
      if (raw) stdin.setRawMode?.(false);
      stdin.pause();
    }
    if (io.pty !== undefined) io.stdout.off('resize', resize);
    resolve(code);
  });
}

/** ssh2's per-session agent forwarding request, when the connection forwards the agent. */
function agentOption(conn: SshClient): { agentForward?: true } {
  return forwardsAgent(conn) ? { agentForward: true } : {};
}

/** Runs `command` (a shell command line). @returns its exit status (128+n for signal n) */
export function execRemote(conn: SshClient, command: string, io: RemoteIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const opts = {
      ...(io.pty === undefined ? {} : { pty: io.pty }),
      ...agentOption(conn),
    } as ExecOptions;
    conn.exec(command, opts, (err, ch) => (err ? reject(err) : attach(ch, io, resolve)));
  });
}

/** Opens an interactive shell. @returns its exit status */
export function shellRemote(conn: SshClient, io: RemoteIo): Promise<number> {
  return new Promise((resolve, reject) => {
    conn.shell(io.pty ?? false, agentOption(conn) as ShellOptions, (err, ch) =>
      err ? reject(err) : attach(ch, io, resolve),
    );
  });
}

/** The pseudo-terminal to ask for when `stdout` is a terminal. */
export function ptyFor(stdout: Writable, term: string | undefined): PseudoTtyOptions {
  const out = stdout as { rows?: number; columns?: number };
  return { term: term ?? 'xterm', rows: out.rows ?? 24, cols: out.columns ?? 80 };
}
