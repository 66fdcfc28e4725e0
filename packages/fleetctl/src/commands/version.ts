// `fleetctl version` (`-o json`: {"fleetctl": VERSION}; the machines' fleetd versions are in
// `list-machines --fields machine,version -o json`).
import type { CommandSpec } from '../cli/command.js';
import { OUTPUT_OPTION, parseFormat } from '../output/format.js';
import { jsonText } from '../output/rollout-view.js';
import { VERSION, versionLine } from '../version.js';

/** The version command. */
export const versionCommand: CommandSpec = {
  name: 'version',
  usage: '[-o|--output=text|json]',
  summary: 'Print the version and exit',
  options: { output: OUTPUT_OPTION },
  run(ctx, args) {
    if (parseFormat(args.string('output'), 'text') === 'json') {
      ctx.io.stdout.write(jsonText({ fleetctl: VERSION }));
    } else {
      ctx.out(versionLine());
    }
    return Promise.resolve(0);
  },
};
