// `fleetctl version`.
import type { CommandSpec } from '../cli/command.js';
import { versionLine } from '../version.js';

/** The version command. */
export const versionCommand: CommandSpec = {
  name: 'version',
  usage: '',
  summary: 'Print the version and exit',
  run(ctx) {
    ctx.out(versionLine());
    return Promise.resolve(0);
  },
};
