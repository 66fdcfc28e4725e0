// `fleetctl status UNIT...`: `systemctl status -l <unit>` on the unit's machine (every machine,
// for a global unit), locally when that is this machine. The exit status is the first non-zero
// one of the commands run.
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { isGlobal } from '../block/judge.js';
import { legendOf } from '../block/wait.js';
import { runOnMachine } from '../remote/run.js';
import { machinesOfUnit } from '../remote/targets.js';
import { requireUnits } from '../units/names.js';
import { notOnAnyMachine } from '../units/unscheduled.js';

/**
 * The command run on the unit's machine. `--` ends systemctl's options, so a unit named like an
 * option (`-H.service`: `-H` is systemctl's remote host flag) is a unit name.
 */
export function statusArgv(name: string): string[] {
  return ['systemctl', 'status', '-l', '--', name];
}

/** The status command. */
export const statusCommand: CommandSpec = {
  name: 'status',
  usage: '[--ssh-port=N] UNIT...',
  summary: 'Output the status of one or more units in the cluster',
  description:
    'Runs "systemctl status -l UNIT" on the machine the unit is on, over SSH (through --tunnel\n' +
    'when given), or locally when that machine is this one. For a global unit it runs on every\n' +
    'machine the unit is on. Exits with the status of systemctl.',
  positional: '[units..]',
  options: {
    'ssh-port': { type: 'number', default: 22, describe: 'Connect to machines on this SSH port' },
  },
  async run(ctx, args) {
    const names = requireUnits(args.operands('units'));
    const sshPort = args.int('ssh-port');
    const api = await ctx.api();
    let exit = 0;
    const note = (code: number) => {
      if (exit === 0) exit = code;
    };
    for (const [i, name] of names.entries()) {
      // A blank line between units, as systemctl status separates them.
      if (i > 0) ctx.out('');
      const unit = await api.getUnit(name);
      if (unit === undefined) {
        ctx.err(`Unit ${name} does not exist.`);
        note(1);
        continue;
      }
      const global = isGlobal(unit);
      const machines =
        !global && unit.currentState === 'inactive' ? [] : await machinesOfUnit(ctx, unit);
      if (machines.length === 0) {
        ctx.err(notOnAnyMachine(unit, `Unit ${name} does not appear to be loaded.`));
        note(1);
        continue;
      }
      for (const m of machines) {
        if (global) ctx.out(`Global unit ${name} on ${await legendOf(ctx, m.id)}:`);
        try {
          note(await runOnMachine(ctx, m, statusArgv(name), { sshPort }));
        } catch (err) {
          ctx.err(oneLine(err));
          note(255);
        }
      }
    }
    return exit;
  },
};
