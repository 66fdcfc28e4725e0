// `fleetctl ssh {MACHINE|UNIT} [-- command...]`: a shell, or a command, on a machine named by an
// ID prefix, its IP or its hostname, or on the machine of a unit (each machine of a global unit, for a command). The exit
// status is the remote command's.
import type { WireMachine } from '@fleet/client';
import type { CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, UsageError } from '../cli/errors.js';
import { legendOf } from '../block/wait.js';
import { runOnMachine } from '../remote/run.js';
import { machineByPrefix, machinesOfUnit } from '../remote/targets.js';
import { unitName } from '../units/names.js';

async function unitMachines(ctx: Context, arg: string): Promise<WireMachine[]> {
  const name = unitName(arg);
  const unit = await (await ctx.api()).getUnit(name);
  if (unit === undefined) throw new CliError(`unit ${name} does not exist`);
  const machines = await machinesOfUnit(ctx, unit);
  if (machines.length === 0) throw new CliError(`unit ${name} is not running on any machine`);
  return machines;
}

async function lookup(ctx: Context, arg: string): Promise<WireMachine[]> {
  const [machine, unit] = await Promise.allSettled([
    machineByPrefix(ctx, arg),
    unitMachines(ctx, arg),
  ]);
  if (machine.status === 'fulfilled' && unit.status === 'fulfilled') {
    throw new CliError(
      `ambiguous argument, both machine and unit found for ${JSON.stringify(arg)}; use --machine (-m) or --unit (-u)`,
    );
  }
  if (machine.status === 'fulfilled') return [machine.value];
  if (unit.status === 'fulfilled') return unit.value;
  throw new CliError(`could not find matching unit or machine for ${JSON.stringify(arg)}`);
}

/** The ssh command. */
export const sshCommand: CommandSpec = {
  name: 'ssh',
  usage: '[-A|--forward-agent] [--ssh-port=N] [--machine|--unit] {MACHINE|UNIT} [-- command...]',
  summary: 'Open an interactive shell (or run a command) on a machine in the cluster',
  description:
    'MACHINE is a machine ID, an unambiguous prefix of one, its IP address, or its hostname (as\n' +
    'the machine reports it, or resolved here); UNIT is the unit whose machine to use.\n' +
    'Arguments after the target (put them after "--" when they start with "-") are run as a\n' +
    'command: one argument is a command line for the remote shell, several are\n' +
    'quoted word for word. Without a command, an interactive shell (a pseudo-terminal when stdin\n' +
    'is one).\n' +
    'A command runs on every machine of a global unit, one after another.',
  positional: '[target] [command..]',
  options: {
    machine: {
      type: 'string',
      alias: 'm',
      describe: 'Connect to the machine with this ID (prefix)',
    },
    unit: { type: 'string', alias: 'u', describe: 'Connect to the machine running this unit' },
    'forward-agent': {
      type: 'boolean',
      default: false,
      alias: 'A',
      describe: 'Forward the local ssh-agent to the machine',
    },
    'ssh-port': { type: 'number', default: 22, describe: 'Connect to machines on this SSH port' },
  },
  async run(ctx, args) {
    const byMachine = args.string('machine');
    const byUnit = args.string('unit');
    if (byMachine !== '' && byUnit !== '') {
      throw new UsageError('Both machine and unit flags provided, please specify only one.');
    }
    const words = [...args.list('target'), ...args.list('command'), ...args.rest()];
    let machines: WireMachine[];
    if (byMachine !== '') machines = [await machineByPrefix(ctx, byMachine)];
    else if (byUnit !== '') machines = await unitMachines(ctx, byUnit);
    else {
      const target = words.shift();
      if (target === undefined) throw new UsageError('one machine or unit must be provided');
      machines = await lookup(ctx, target);
    }
    // One word is a command line for the remote shell (as ssh does); several are quoted.
    const command = words.length === 0 ? undefined : words.length === 1 ? words[0] : words;
    const how = {
      sshPort: args.int('ssh-port'),
      forwardAgent: args.bool('forward-agent'),
      alwaysSsh: true,
      interactive: true,
    };
    const [first] = machines;
    if (machines.length === 1 && first !== undefined) {
      return runOnMachine(ctx, first, command, how);
    }
    if (command === undefined) {
      const ids = machines.map((m) => m.id).join(', ');
      throw new UsageError(
        `the unit runs on ${machines.length} machines (${ids}); pick one with --machine`,
      );
    }
    let exit = 0;
    for (const m of machines) {
      ctx.out(`=== ${await legendOf(ctx, m.id)} ===`);
      const code = await runOnMachine(ctx, m, command, { ...how, interactive: false });
      if (exit === 0) exit = code;
    }
    return exit;
  },
};
