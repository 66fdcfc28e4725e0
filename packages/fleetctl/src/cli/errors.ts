// fleetctl's errors. Every failure reaches the user as one clear line on stderr and an exit
// code, never as a stack trace. Both classes are fleet's FleetErrors (code, cause).
import { FleetError, oneLine } from '@fleet/runtime';

/** Stable codes of fleetctl's own errors. */
export type CliErrorCode = 'CLI_FAILED' | 'CLI_USAGE';

/** Options of {@link CliError}. */
export interface CliErrorOptions {
  /** What fleetctl exits with (default 1). */
  readonly exitCode?: number;
  readonly cause?: unknown;
}

/** A failure with the line to print and the exit code to return. */
export class CliError extends FleetError {
  readonly code: CliErrorCode = 'CLI_FAILED';
  /** What fleetctl exits with. */
  readonly exitCode: number;

  /** @param message - one line for the user */
  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options);
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The command line is wrong: unknown command or flag, bad value, missing argument. */
export class UsageError extends CliError {
  override readonly code = 'CLI_USAGE';
}

/** Runs `fn`; a failure becomes one CliError line `<what>: <reason>`. */
export async function explained<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CliError(`${what}: ${oneLine(err)}`, { cause: err });
  }
}
