// `fleetctl load UNIT...`: schedule units (submitting them first if needed) without starting them.
import type { CommandSpec } from '../cli/command.js';
import { withResults } from '../output/results.js';
import { activate } from './activate.js';
import { BLOCK_OPTIONS, REPLACE_OPTION, SIGN_OPTION } from './shared.js';

/** The load command. */
export const loadCommand: CommandSpec = withResults({
  name: 'load',
  usage: '[--no-block|--block-attempts=N] [--replace] UNIT...',
  summary: 'Schedule one or more units in the cluster, first submitting them if necessary',
  description:
    'Waits until each unit is loaded on its machine and prints "Unit <u> loaded on <machine>".\n' +
    "A unit that cannot be scheduled fails with the scheduler's reason. As in fleet, a launched\n" +
    'unit is set to loaded too, which stops it (use submit to upload without changing a unit).',
  positional: '[units..]',
  options: { ...BLOCK_OPTIONS, ...REPLACE_OPTION, ...SIGN_OPTION },
  run: (ctx, args) => activate(ctx, args, 'load'),
});
