// `fleetctl journal UNIT`: the unit's journal from its machine, `[sudo] journalctl --unit <u>
// --no-pager -n <N> --output <mode> [-f]`. For a global unit, from every machine it is on (with
// --follow, all at once with each line prefixed by its machine).
import type { WireMachine } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { isGlobal } from '../block/judge.js';
import { legendOf } from '../block/wait.js';
import { escapeControls } from '../output/escape.js';
import { prefixLines } from '../remote/prefix-lines.js';
import { runOnMachine, type MachineRun } from '../remote/run.js';
import { machinesOfUnit } from '../remote/targets.js';
import { oneUnitName } from '../units/names.js';
import { notOnAnyMachine } from '../units/unscheduled.js';

async function runCaught(
  ctx: Context,
  m: WireMachine,
  argv: string[],
  how: MachineRun,
): Promise<number> {
  try {
    return await runOnMachine(ctx, m, argv, how);
  } catch (err) {
    ctx.err(oneLine(err));
    return 255;
  }
}

/** The journal command. */
export const journalCommand: CommandSpec = {
  name: 'journal',
  usage: '[--lines=N] [--ssh-port=N] [-f|--follow] [--output=STRING] [--sudo] UNIT',
  summary: 'Print the journal of a unit in the cluster to stdout',
  description:
    'Runs journalctl on the machine the unit is on (locally when that is this machine), or on\n' +
    'every machine a global unit is on.',
  positional: '[units..]',
  options: {
    lines: { type: 'number', default: 10, alias: 'n', describe: 'Number of recent lines to show' },
    follow: { type: 'boolean', default: false, alias: 'f', describe: 'Follow the journal' },
    'ssh-port': { type: 'number', default: 22, describe: 'Connect to machines on this SSH port' },
    sudo: { type: 'boolean', default: false, describe: 'Run journalctl with sudo' },
    output: {
      type: 'string',
      default: 'short',
      alias: 'o',
      describe: 'journalctl output mode (passed to journalctl as is)',
    },
  },
  async run(ctx, args) {
    const name = oneUnitName(args);
    const sshPort = args.int('ssh-port');
    const argv = [
      ...(args.bool('sudo') ? ['sudo'] : []),
      'journalctl',
      '--unit',
      name,
      '--no-pager',
      '-n',
      String(args.int('lines')),
      '--output',
      args.string('output'),
      ...(args.bool('follow') ? ['-f'] : []),
    ];
    const api = await ctx.api();
    const unit = await api.getUnit(name);
    if (unit === undefined) {
      ctx.err(`Unit ${name} does not exist.`);
      return 1;
    }
    const global = isGlobal(unit);
    const machines =
      !global && unit.currentState === 'inactive' ? [] : await machinesOfUnit(ctx, unit);
    if (machines.length === 0) {
      ctx.err(notOnAnyMachine(unit, `Unit ${name} does not appear to be running.`));
      return 1;
    }
    if (!global) return runCaught(ctx, machines[0] as WireMachine, argv, { sshPort });
    if (args.bool('follow')) {
      // Every machine at once; lines are prefixed so they can be told apart.
      const codes = await Promise.all(
        machines.map(async (m) => {
          // The prefix is ours (escaped: the IP comes from the machine); the lines are journalctl's.
          const prefix = `[${escapeControls(await legendOf(ctx, m.id))}] `;
          const stdout = prefixLines(ctx.io.stdout, prefix);
          const stderr = prefixLines(ctx.io.stderr, prefix);
          const code = await runCaught(ctx, m, argv, { sshPort, output: { stdout, stderr } });
          stdout.end();
          stderr.end();
          return code;
        }),
      );
      return codes.find((c) => c !== 0) ?? 0;
    }
    let exit = 0;
    for (const m of machines) {
      ctx.out(`Global unit ${name} on ${await legendOf(ctx, m.id)}:`);
      const code = await runCaught(ctx, m, argv, { sshPort });
      if (exit === 0) exit = code;
    }
    return exit;
  },
};
