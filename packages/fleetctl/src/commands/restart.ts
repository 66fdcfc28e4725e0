// `fleetctl restart UNIT...`: stop then start units, really waiting for the stop (fleet waited
// for `launched` twice, so it raced). Global units are restarted with `systemctl restart` on
// every machine they run on (fleet's path was a no-op for them).
import type { WireUnit } from '@fleet/api';
import type { CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import { isGlobal } from '../block/judge.js';
import { legendOf, waitForUnits } from '../block/wait.js';
import { machinesOfUnit } from '../remote/targets.js';
import { lazyCreate } from '../units/lazy-create.js';

async function restartGlobal(ctx: Context, unit: WireUnit, sshPort: number): Promise<boolean> {
  const { runOnMachine } = await import('../remote/run.js');
  const machines = await machinesOfUnit(ctx, unit);
  if (machines.length === 0) {
    ctx.err(`Unable to restart global unit ${unit.name}: it is not running on any machine`);
    return false;
  }
  let ok = true;
  for (const m of machines) {
    const legend = await legendOf(ctx, m.id);
    try {
      const code = await runOnMachine(ctx, m, ['systemctl', 'restart', unit.name], { sshPort });
      if (code === 0) ctx.out(`Restarted global unit ${unit.name} on ${legend}`);
      else {
        ctx.err(`Error restarting global unit ${unit.name} on ${legend}: exit status ${code}`);
        ok = false;
      }
    } catch (err) {
      ctx.err(
        `Error restarting global unit ${unit.name} on ${legend}: ${String((err as Error).message)}`,
      );
      ok = false;
    }
  }
  return ok;
}

/** The restart command. */
export const restartCommand: CommandSpec = {
  name: 'restart',
  usage: '[--block-attempts=N] [--ssh-port=N] UNIT...',
  summary: 'Instruct systemd to restart one or more units in the cluster',
  description:
    'A launched unit is stopped (set to loaded, and waited on until systemd reports it\n' +
    'stopped), then started again and waited on until systemd reports it active. A loaded\n' +
    'unit is started. An inactive unit cannot be restarted. Global units are restarted with\n' +
    'systemctl on each of their machines.',
  positional: '[units..]',
  options: {
    'block-attempts': {
      type: 'number',
      default: 0,
      describe: 'Wait for each phase this many attempts of 2 s each; 0 waits without a limit',
    },
    'ssh-port': { type: 'number', default: 22, describe: 'SSH port (for global units)' },
  },
  async run(ctx, args) {
    const raw = args.list('units');
    if (raw.length === 0) throw new UsageError('No units given');
    const attempts = args.int('block-attempts');
    const sshPort = args.int('ssh-port');
    const { names } = await lazyCreate(ctx, raw, {
      command: 'restart',
      replace: false,
      desiredState: 'inactive',
    });
    const api = await ctx.api();
    let ok = true;
    const stopFirst: string[] = [];
    const start: string[] = [];
    for (const name of names) {
      const unit = await api.getUnit(name);
      if (unit === undefined) {
        ctx.err(`Unit ${name} does not exist.`);
        ok = false;
      } else if (isGlobal(unit)) {
        ok = (await restartGlobal(ctx, unit, sshPort)) && ok;
      } else if (unit.desiredState === 'inactive') {
        ctx.err(`Unable to restart unit ${name} in state inactive`);
        ok = false;
      } else {
        (unit.desiredState === 'launched' ? stopFirst : start).push(name);
      }
    }
    for (const name of stopFirst) await api.setDesiredState(name, 'loaded');
    // Start again even if a stop timed out: a restart must not leave the unit stopped.
    const stopped = await waitForUnits(
      ctx,
      stopFirst,
      { state: 'loaded', systemdStopped: true },
      attempts,
    );
    const starting = [...stopFirst, ...start];
    for (const name of starting) await api.setDesiredState(name, 'launched');
    const started = await waitForUnits(
      ctx,
      starting,
      { state: 'launched', systemdActive: true },
      attempts,
    );
    return ok && stopped && started ? 0 : 1;
  },
};
