// `fleetctl start UNIT...`: schedule and start units (submitting them first if needed).
import type { CommandSpec } from '../cli/command.js';
import { withResults } from '../output/results.js';
import { activate } from './activate.js';
import { BLOCK_OPTIONS, REPLACE_OPTION, SIGN_OPTION } from './shared.js';

/** The start command. */
export const startCommand: CommandSpec = withResults({
  name: 'start',
  usage: '[--no-block|--block-attempts=N] [--replace] UNIT...',
  summary: 'Instruct systemd to start one or more units in the cluster',
  description:
    'Waits until fleet reports each unit launched and systemd reports it active on its machine\n' +
    '(or inactive: it ran and exited cleanly), then prints "Unit <u> launched on <machine>".\n' +
    'A unit systemd reports failed or cannot load (bad-setting, error, not-found, masked), or\n' +
    'that cannot be scheduled, fails with the reason. --block-attempts=N limits the wait to N\n' +
    'attempts of 2 s; 0 waits without a limit (and says what it waits for after 20 s unchanged).',
  positional: '[units..]',
  options: { ...BLOCK_OPTIONS, ...REPLACE_OPTION, ...SIGN_OPTION },
  run: (ctx, args) => activate(ctx, args, 'start'),
});
