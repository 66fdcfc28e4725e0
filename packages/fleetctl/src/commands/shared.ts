// Flags and steps shared by several commands.
import type { Options } from 'yargs';
import type { Args } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { recordUnit } from '../output/results.js';

/** `--block-attempts` and `--no-block`. */
export const BLOCK_OPTIONS: Readonly<Record<string, Options>> = {
  'block-attempts': {
    type: 'number',
    default: 0,
    describe: 'Wait for the units this many attempts of 2 s each; 0 waits without a limit',
  },
  block: {
    type: 'boolean',
    default: true,
    describe: 'Wait for the units to reach the requested state (--no-block: do not wait)',
  },
};

/** `--replace`. */
export const REPLACE_OPTION: Readonly<Record<string, Options>> = {
  replace: {
    type: 'boolean',
    default: false,
    describe: 'Replace units already in the cluster whose local file differs',
  },
};

/** `--sign` (deprecated). */
export const SIGN_OPTION: Readonly<Record<string, Options>> = {
  sign: { type: 'boolean', default: false, hidden: true, describe: 'DEPRECATED' },
};

/** The message fleet printed for the signed units feature. */
export const SIGN_DEPRECATED =
  'WARNING: The signed/verified units feature is DEPRECATED and cannot be used.';

/** Fails with exit code 2 when --sign is given. */
export function rejectSign(args: Args): void {
  if (args.bool('sign')) throw new CliError(SIGN_DEPRECATED, { exitCode: 2 });
}

/** Block attempts from the flags: -1 with --no-block, else --block-attempts (0 = no limit). */
export function blockAttempts(args: Args): number {
  const attempts = args.int('block-attempts');
  return args.bool('block') ? attempts : -1;
}

/** Prints `Triggered unit <u> <verb>` for units not waited on (set to `state`). */
export function printTriggered(
  ctx: Context,
  names: readonly string[],
  verb: string,
  state: string,
): void {
  for (const name of names) {
    ctx.out(`Triggered unit ${name} ${verb}`);
    recordUnit(ctx, name, { state });
  }
}

/** `--full` / `-l`, `--no-legend`, `--output`/`-o` of the list commands. */
export const LIST_OPTIONS: Readonly<Record<string, Options>> = {
  full: {
    type: 'boolean',
    default: false,
    alias: 'l',
    describe: 'Do not ellipsize fields (full machine IDs and hashes)',
  },
  legend: { type: 'boolean', default: true, describe: 'Print the header (--no-legend: omit it)' },
  output: {
    type: 'string',
    default: 'table',
    alias: 'o',
    describe: 'Output format: table or json (an array of objects with the selected fields)',
  },
};
