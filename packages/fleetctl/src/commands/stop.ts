// `fleetctl stop UNIT...`: stop units, leaving them loaded on their machines.
import type { CommandSpec } from '../cli/command.js';
import { withResults } from '../output/results.js';
import { deactivate } from './deactivate.js';
import { BLOCK_OPTIONS } from './shared.js';

/** The stop command. */
export const stopCommand: CommandSpec = withResults({
  name: 'stop',
  usage: '[--no-block|--block-attempts=N] UNIT...',
  summary: 'Instruct systemd to stop one or more units in the cluster',
  description:
    'Sets each unit to loaded and waits until it is loaded on its machine and systemd there\n' +
    'reports it stopped (inactive or failed).\n' +
    'Units that are not loaded (desired state inactive) cannot be stopped.',
  positional: '[units..]',
  options: BLOCK_OPTIONS,
  run: (ctx, args) =>
    deactivate(ctx, args, {
      state: 'loaded',
      verb: 'stop',
      refuse: ['inactive'],
      refuseVerb: 'stop',
      summary: 'Successfully stopped units',
      machine: 'stopped',
    }),
});
