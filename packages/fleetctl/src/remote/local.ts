// Running a command on this machine (a unit whose machine is the local one), as fleet did for
// status and journal.
import { spawn } from 'node:child_process';
import type { CliIo } from '../cli/io.js';
import { CliError } from '../cli/errors.js';
import { signalStatus } from './exit-status.js';

/**
 * Runs `argv` (no shell), copying its output to ours.
 * @returns its exit status
 * @throws CliError (exit 255) if it cannot be started
 */
export function runLocal(argv: readonly string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd ?? '', rest, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(io.stdout, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    child.once('error', (err) =>
      reject(
        new CliError(`Error running local command: ${err.message}`, { exitCode: 255, cause: err }),
      ),
    );
    child.once('close', (code, signal) =>
      resolve(code ?? (signal === null ? 255 : signalStatus(signal))),
    );
  });
}
