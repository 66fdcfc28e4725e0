// `fleetctl cat UNIT`: a unit's contents, as serialised from its options (comments and layout of
// the original file are not kept, as in fleet). Control characters in values are escaped.
import { serializeUnitOptions } from '@fleet/unit';
import type { CommandSpec } from '../cli/command.js';
import { escapeControls } from '../output/escape.js';
import { OUTPUT_OPTION, parseFormat } from '../output/format.js';
import { jsonText } from '../output/rollout-view.js';
import { oneUnitName } from '../units/names.js';

/** The cat command. */
export const catCommand: CommandSpec = {
  name: 'cat',
  usage: '[-o|--output=text|json] UNIT',
  summary: 'Output the contents of a submitted unit',
  description:
    'With -o json: {"unit": NAME, "options": [{"section", "name", "value"}...], "text": the\n' +
    'unit file as printed without it}.',
  positional: '[units..]',
  options: { output: { ...OUTPUT_OPTION, describe: 'Output format: text or json' } },
  async run(ctx, args) {
    const json = parseFormat(args.string('output'), 'text') === 'json';
    const name = oneUnitName(args);
    const unit = await (await ctx.api()).getUnit(name);
    if (unit === undefined) {
      ctx.err(`Unit ${name} does not exist.`);
      return 1;
    }
    if (json) {
      const options = unit.options.map(({ section, name, value }) => ({ section, name, value }));
      const text = serializeUnitOptions(options);
      ctx.io.stdout.write(jsonText({ unit: unit.name, options, text }));
      return 0;
    }
    // Line breaks are the serialiser's own; any control character inside a value is escaped.
    const shown = unit.options.map((o) => ({
      section: escapeControls(o.section),
      name: escapeControls(o.name),
      value: escapeControls(o.value),
    }));
    ctx.io.stdout.write(serializeUnitOptions(shown));
    return 0;
  },
};
