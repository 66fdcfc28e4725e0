// `fleetctl restart UNIT...`: stop then start units through the cluster, really waiting for the
// stop (fleet waited for `launched` twice, so it raced). Global units go the same way: desired
// state `loaded`, wait until every machine's copy is stopped, then `launched`, wait until every
// copy is active again (fleet's SSH path was a no-op for them; this one needs no SSH at all).
import type { CommandSpec } from '../cli/command.js';
import { UsageError } from '../cli/errors.js';
import { isGlobal } from '../block/judge.js';
import { failedCopies, waitForCopies } from '../block/wait-copies.js';
import { waitForUnits } from '../block/wait.js';
import { readUnits } from '../units/batch.js';
import { failUnit, recordUnit, withResults } from '../output/results.js';
import { lazyCreate } from '../units/lazy-create.js';
import { setEach } from '../units/target-state.js';

/** The restart command. */
export const restartCommand: CommandSpec = withResults({
  name: 'restart',
  usage: '[--block-attempts=N] UNIT...',
  summary: 'Instruct systemd to restart one or more units in the cluster',
  description:
    'A launched unit is stopped (set to loaded, and waited on until systemd reports it\n' +
    'stopped), then started again and waited on until systemd reports it active. A loaded\n' +
    'unit is started. An inactive unit cannot be restarted. A global unit is restarted the\n' +
    'same way on every machine it runs on: all its copies are stopped, then all started.\n' +
    'Everything goes through the fleet API; no SSH is used (--ssh-port is accepted and\n' +
    'ignored, for old scripts).',
  positional: '[units..]',
  options: {
    'block-attempts': {
      type: 'number',
      default: 0,
      describe: 'Wait for each phase this many attempts of 2 s each; 0 waits without a limit',
    },
    'ssh-port': {
      type: 'number',
      default: 22,
      describe: 'Ignored (restart needs no SSH); accepted for compatibility',
    },
  },
  async run(ctx, args) {
    const raw = args.operands('units');
    if (raw.length === 0) throw new UsageError('No units given');
    const attempts = args.int('block-attempts');
    const { names } = await lazyCreate(ctx, raw, {
      command: 'restart',
      replace: false,
      desiredState: 'inactive',
    });
    const api = await ctx.api();
    let ok = true;
    const stopFirst: string[] = [];
    const start: string[] = [];
    const global = new Set<string>();
    const units = await readUnits(api, names);
    for (const [i, name] of names.entries()) {
      const read = units[i];
      if (read?.ok === false) throw read.err;
      const unit = read?.value;
      recordUnit(ctx, name); // -o json: in the order given
      if (unit === undefined) {
        failUnit(ctx, name, `Unit ${name} does not exist.`);
        ok = false;
      } else if (unit.desiredState === 'inactive') {
        failUnit(ctx, name, `Unable to restart unit ${name} in state inactive`);
        ok = false;
      } else if (isGlobal(unit) && (await api.listUnitStates({ unitName: name })).length === 0) {
        failUnit(ctx, name, `Unable to restart global unit ${name}: it is not on any machine`);
        ok = false;
      } else {
        if (isGlobal(unit)) global.add(name);
        (unit.desiredState === 'launched' ? stopFirst : start).push(name);
      }
    }
    const normal = (list: readonly string[]) => list.filter((n) => !global.has(n));
    const copies = (list: readonly string[]) => list.filter((n) => global.has(n));

    await setEach(api, stopFirst, 'loaded');
    // Start again even if a stop timed out: a restart must not leave the unit stopped.
    const [stoppedUnits, stoppedCopies] = await Promise.all([
      waitForUnits(ctx, normal(stopFirst), { state: 'loaded', systemdStopped: true }, attempts),
      waitForCopies(ctx, copies(stopFirst), 'stopped', attempts),
    ]);
    const starting = [...stopFirst, ...start];
    // A copy still failed from before is not a failed start: note them before starting.
    const stale = await failedCopies(ctx, copies(starting));
    await setEach(api, starting, 'launched');
    const [startedUnits, startedCopies] = await Promise.all([
      waitForUnits(ctx, normal(starting), { state: 'launched', systemdActive: true }, attempts),
      waitForCopies(ctx, copies(starting), 'active', attempts, stale),
    ]);
    return ok && stoppedUnits && stoppedCopies && startedUnits && startedCopies ? 0 : 1;
  },
});
