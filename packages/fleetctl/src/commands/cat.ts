// `fleetctl cat UNIT`: a unit's contents, as serialised from its options (comments and layout of
// the original file are not kept, as in fleet).
import { serializeUnitOptions } from '@fleet/unit';
import type { CommandSpec } from '../cli/command.js';
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
    ctx.io.stdout.write(serializeUnitOptions(unit.options));
    return 0;
  },
};
