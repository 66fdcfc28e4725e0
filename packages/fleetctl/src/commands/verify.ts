// `fleetctl verify UNIT`: deprecated in fleet; says so and exits 2. `-o json` is accepted (and
// checked) so that scripts passing it everywhere get the same answer: nothing on stdout.
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { OUTPUT_OPTION, parseFormat } from '../output/format.js';
import { SIGN_DEPRECATED } from './shared.js';

/** The verify command. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  usage: '[-o|--output=text|json] UNIT',
  summary: 'DEPRECATED - No longer works',
  positional: '[units..]',
  options: { output: OUTPUT_OPTION },
  run(_ctx, args) {
    parseFormat(args.string('output'), 'text');
    return Promise.reject(new CliError(SIGN_DEPRECATED, { exitCode: 2 }));
  },
};
