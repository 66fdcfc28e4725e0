// `fleetctl destroy UNIT...`: remove units from the cluster, then (unless --no-block) wait until
// their machines have unloaded them. fleet waited only *with* --no-block (inverted).
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { waitForUnloaded } from '../block/wait.js';
import { BATCH_LIMIT, HeldLines, mapBounded } from '../units/batch.js';
import { failUnit, recordUnit, withResults } from '../output/results.js';
import { requireUnits } from '../units/names.js';
import { BLOCK_OPTIONS, blockAttempts } from './shared.js';

/** The destroy command. */
export const destroyCommand: CommandSpec = withResults({
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
    const held = names.map(() => new HeldLines(ctx));
    for (const name of names) recordUnit(ctx, name); // -o json: in the order given
    const done = await mapBounded(names, BATCH_LIMIT, async (name, i) => {
      const out = held[i]?.ctx ?? ctx;
      try {
        if (!(await api.destroyUnit(name))) out.debug(`unit ${name} did not exist`);
        out.out(`Destroyed ${name}`);
        recordUnit(ctx, name, { state: 'destroyed' });
        return true;
      } catch (err) {
        failUnit(out, name, `Error destroying units: ${oneLine(err)}`, oneLine(err));
        return false;
      }
    });
    held.forEach((h) => h.flush());
    const failed = done.includes(false);
    const destroyed = names.filter((_, i) => done[i] === true);
    const ok = attempts < 0 || (await waitForUnloaded(ctx, destroyed, attempts));
    return failed || !ok ? 1 : 0;
  },
});
