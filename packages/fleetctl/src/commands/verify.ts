// `fleetctl verify UNIT`: deprecated in fleet; says so and exits 2.
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { SIGN_DEPRECATED } from './shared.js';

/** The verify command. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  usage: 'UNIT',
  summary: 'DEPRECATED - No longer works',
  positional: '[units..]',
  run() {
    return Promise.reject(new CliError(SIGN_DEPRECATED, { exitCode: 2 }));
  },
};
