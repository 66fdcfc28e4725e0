// `fleetctl unload UNIT...`: unschedule units (stop them and unload them from their machines).
import type { CommandSpec } from '../cli/command.js';
import { withResults } from '../output/results.js';
import { deactivate } from './deactivate.js';
import { BLOCK_OPTIONS } from './shared.js';

/** The unload command. */
export const unloadCommand: CommandSpec = withResults({
  name: 'unload',
  usage: '[--no-block|--block-attempts=N] UNIT...',
  summary: 'Unschedule one or more units in the cluster',
  description: 'Sets each unit to inactive and waits until no machine has it loaded.',
  positional: '[units..]',
  options: BLOCK_OPTIONS,
  run: (ctx, args) =>
    deactivate(ctx, args, {
      state: 'inactive',
      verb: 'unload',
      refuse: [],
      refuseVerb: 'unload',
      summary: 'Successfully unloaded units',
      machine: 'unloaded',
    }),
});
