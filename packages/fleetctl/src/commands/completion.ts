// `fleetctl completion bash|zsh`: print the shell completion script (completion/scripts.ts).
import type { CommandSpec } from '../cli/command.js';
import { UsageError } from '../cli/errors.js';
import { completionScript, SHELLS } from '../completion/scripts.js';

/** The completion command. */
export const completionCommand: CommandSpec = {
  name: 'completion',
  usage: 'bash|zsh',
  summary: 'Print the shell completion script for bash or zsh',
  description:
    'Completes commands, flags and their values, unit files, and the names of units and\n' +
    'machines in the cluster (asked of the API with a timeout of 1 s; nothing when it does not\n' +
    'answer). Load it with: source <(fleetctl completion bash)',
  positional: '[shell]',
  run(ctx, args) {
    const shell = args.string('shell');
    const known = SHELLS.find((s) => s === shell);
    if (known === undefined) {
      throw new UsageError(
        shell === ''
          ? 'completion needs a shell: bash or zsh'
          : `no completion for shell ${JSON.stringify(shell)} (expected bash or zsh)`,
      );
    }
    ctx.io.stdout.write(completionScript(known));
    return Promise.resolve(0);
  },
};
