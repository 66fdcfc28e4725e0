// `fleetctl submit UNIT...`: upload units without scheduling them.
import type { CommandSpec } from '../cli/command.js';
import { withResults } from '../output/results.js';
import { activate } from './activate.js';
import { REPLACE_OPTION, SIGN_OPTION } from './shared.js';

/** The submit command. */
export const submitCommand: CommandSpec = withResults({
  name: 'submit',
  usage: '[--replace] UNIT...',
  summary: 'Upload one or more units to the cluster without starting them',
  description:
    'Units are read from local files (UNIT is a path; ".service" is appended when the name has no\n' +
    'unit type). An instance (foo@1.service) without a file of its own is created from its\n' +
    'template, registered or on disk next to it. A unit already in the cluster is left as it is,\n' +
    'with a warning when the local file differs, unless --replace is given.',
  positional: '[units..]',
  options: { ...REPLACE_OPTION, ...SIGN_OPTION },
  run: (ctx, args) => activate(ctx, args, 'submit'),
});
