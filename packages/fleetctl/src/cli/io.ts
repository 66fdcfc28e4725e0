// What fleetctl reads from and writes to: injected, so commands run in-process in tests.
import type { Readable, Writable } from 'node:stream';
import type { TerminalOpener } from '../ssh/terminal.js';

/** The process's streams and environment (or a test's stand-ins). */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Knobs with fleet's defaults, for tests. */
export interface RunOptions {
  /** Time between two polls of a unit while blocking (default 250 ms, as fleet). */
  readonly pollIntervalMs?: number;
  /** Polls in one `--block-attempts` attempt (default 8: one attempt is 2 s, as fleet). */
  readonly pollsPerAttempt?: number;
  /** File holding this machine's ID (default `/etc/machine-id`). */
  readonly machineIdFile?: string;
  /** Directory that relative unit file paths are read from (default: the process's). */
  readonly cwd?: string;
  /** Opens the terminal a question is asked on (default: the controlling terminal, /dev/tty). */
  readonly openTerminal?: TerminalOpener;
}

/** {@link CliIo} plus {@link RunOptions}: the second argument of `run`. */
export type RunIo = CliIo & RunOptions;

/** Whether a stream is a terminal. */
export function isTty(stream: Readable | Writable): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Columns of a terminal stream, if it is one. */
export function ttyColumns(stream: Writable): number | undefined {
  const cols = (stream as { columns?: number }).columns;
  return isTty(stream) && typeof cols === 'number' && cols > 0 ? cols : undefined;
}
