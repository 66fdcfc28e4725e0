// `fleetctl machine cordon|uncordon|drain MACHINE [--reason R] [--wait]` (docs/operating.md,
// "Machine administrative state"). MACHINE is a machine ID, an unambiguous prefix of one, or its
// IP; a machine that is down but cordoned can still be named (to uncordon it).
import { machineStateWord, type FleetClient, type WireAdminMachine } from '@fleet/client';
import type { Args, CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, explained, UsageError } from '../cli/errors.js';
import { TABLE_OUTPUT_OPTION } from '../output/format.js';
import { parseOutputFormat, type OutputFormat } from '../output/fields.js';

const ACTIONS = ['cordon', 'uncordon', 'drain'] as const;
type Action = (typeof ACTIONS)[number];

interface Request {
  readonly action: Action;
  readonly machine: string;
  readonly reason: string | undefined;
  readonly wait: boolean;
  readonly format: OutputFormat;
}

function parseRequest(args: Args): Request {
  const [action, machine, ...extra] = args.operands('words');
  if (action === undefined) throw new UsageError(`machine needs an action: ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(
      `unknown machine action ${JSON.stringify(action)} (expected ${ACTIONS.join(', ')})`,
    );
  }
  if (machine === undefined || machine === '') {
    throw new UsageError(`machine ${action} needs a MACHINE`);
  }
  if (extra.length > 0) throw new UsageError(`machine ${action} takes one MACHINE`);
  const wait = args.bool('wait');
  if (wait && action !== 'drain') throw new UsageError('--wait only goes with machine drain');
  const reason = args.string('reason');
  if (reason !== '' && action === 'uncordon') {
    throw new UsageError('--reason goes with cordon and drain');
  }
  const format = parseOutputFormat(args.string('output'));
  return { action: action as Action, machine, reason: reason || undefined, wait, format };
}

/** The one machine (live, or down with a record) whose IP is `arg`, or else whose ID starts with it. */
export function pickMachine(all: readonly WireAdminMachine[], arg: string): WireAdminMachine {
  const byIp = all.filter((m) => m.primaryIP !== '' && m.primaryIP === arg);
  if (byIp.length > 1)
    throw new CliError(`found more than one machine with IP ${JSON.stringify(arg)}`);
  if (byIp[0] !== undefined) return byIp[0];
  const exact = all.find((m) => m.id === arg);
  if (exact !== undefined) return exact;
  const found = all.filter((m) => m.id.startsWith(arg));
  if (found.length > 1) {
    throw new CliError(`found more than one machine with ID prefix ${JSON.stringify(arg)}`);
  }
  if (found[0] === undefined) throw new CliError(`machine ${JSON.stringify(arg)} does not exist`);
  return found[0];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Units that a drain of `id` cannot move (their reason says so), sorted. */
async function stuckOn(api: FleetClient, id: string): Promise<string[]> {
  const units = await api.listUnits();
  const mark = `drain: no other machine can take it from ${id}`;
  return units
    .filter((u) => u.reason?.startsWith(mark) === true)
    .map((u) => `${u.name} (${u.reason ?? ''})`)
    .sort();
}

/** Polls until the machine is drained (0), or some unit cannot leave it (1, named). */
async function waitDrained(ctx: Context, api: FleetClient, id: string): Promise<number> {
  for (;;) {
    const m = (await explained('Error reading machines', () => api.listAdminMachines())).find(
      (x) => x.id === id,
    );
    const state = machineStateWord(m);
    if (state === 'drained') return 0;
    if (state !== 'draining') throw new CliError(`machine ${id} is ${state}, no longer draining`);
    const stuck = await explained('Error reading units', () => stuckOn(api, id));
    if (stuck.length > 0) {
      ctx.err(`machine ${id} cannot be drained; these units fit on no other machine:`);
      for (const s of stuck) ctx.err(`  ${s}`);
      return 1;
    }
    await sleep(ctx.settings.pollIntervalMs);
  }
}

const DONE: Record<Action, string> = {
  cordon: 'Cordoned',
  uncordon: 'Uncordoned',
  drain: 'Draining',
};

/** The machine command. */
export const machineCommand: CommandSpec = {
  name: 'machine',
  usage: 'cordon|uncordon|drain MACHINE [--reason=R] [--wait] [-o|--output=table|json]',
  summary: 'Cordon, drain or uncordon a machine (take it out of scheduling for maintenance)',
  description:
    'MACHINE is a machine ID, an unambiguous prefix of one, or its IP.\n' +
    '- cordon: no new unit goes to the machine; its units stay.\n' +
    '- drain: cordon, and move its units (not global ones) away, one copy of a group at a time\n' +
    "within the group's Update* limits; with --wait, wait until it is drained (exit 0) or\n" +
    'name the units that fit on no other machine (exit 1).\n' +
    '- uncordon: the machine takes new units again; nothing moves back.',
  positional: '[words..]',
  options: {
    reason: { type: 'string', default: '', describe: 'Why (shown in list-machines -o json)' },
    wait: { type: 'boolean', default: false, describe: 'With drain: wait until drained' },
    output: TABLE_OUTPUT_OPTION,
  },
  async run(ctx, args) {
    const req = parseRequest(args);
    const api = await ctx.api();
    const all = await explained('Error reading machines', () => api.listAdminMachines());
    const { id } = pickMachine(all, req.machine);
    const m = await explained(`Error trying to ${req.action} machine ${id}`, () =>
      api.setMachineAdmin(id, req.action, req.reason),
    );
    if (req.format === 'json') ctx.io.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
    else ctx.out(`${DONE[req.action]} machine ${id} (${machineStateWord(m)})`);
    return req.wait ? waitDrained(ctx, api, id) : 0;
  },
};
