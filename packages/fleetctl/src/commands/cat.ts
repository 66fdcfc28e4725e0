// `fleetctl cat UNIT`: a unit's contents, as serialised from its options (comments and layout of
// the original file are not kept, as in fleet). Control characters in values are escaped.
import { serializeUnitOptions } from '@fleet/unit';
import type { CommandSpec } from '../cli/command.js';
import { escapeControls } from '../output/escape.js';
import { oneUnitName } from '../units/names.js';

/** The cat command. */
export const catCommand: CommandSpec = {
  name: 'cat',
  usage: 'UNIT',
  summary: 'Output the contents of a submitted unit',
  positional: '[units..]',
  async run(ctx, args) {
    const name = oneUnitName(args);
    const unit = await (await ctx.api()).getUnit(name);
    if (unit === undefined) {
      ctx.err(`Unit ${name} not found`);
      return 1;
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
