// `fleetctl destroy UNIT...`: remove units from the cluster, then (unless --no-block) wait until
// their machines have unloaded them. fleet waited only *with* --no-block (inverted).
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { waitForUnloaded } from '../block/wait.js';
import { requireUnits } from '../units/names.js';
import { BLOCK_OPTIONS, blockAttempts } from './shared.js';

/** The destroy command. */
export const destroyCommand: CommandSpec = {
  name: 'destroy',
  usage: '[--no-block|--block-attempts=N] UNIT...',
  summary: 'Destroy one or more units in the cluster',
  description:
    'Removes each unit from the cluster (a unit that does not exist is not an error), then waits\n' +
    'until no machine reports it any more: it has been stopped and unloaded everywhere.',
  positional: '[units..]',
  options: BLOCK_OPTIONS,
  async run(ctx, args) {
    const names = requireUnits(args.operands('units'));
    const attempts = blockAttempts(args);
    const api = await ctx.api();
    let failed = false;
    const destroyed: string[] = [];
    for (const name of names) {
      try {
        if (!(await api.destroyUnit(name))) ctx.debug(`unit ${name} did not exist`);
        ctx.out(`Destroyed ${name}`);
        destroyed.push(name);
      } catch (err) {
        ctx.err(`Error destroying units: ${oneLine(err)}`);
        failed = true;
      }
    }
    const ok = attempts < 0 || (await waitForUnloaded(ctx, destroyed, attempts));
    return failed || !ok ? 1 : 0;
  },
};
