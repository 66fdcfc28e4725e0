// `fleetctl maintenance enter [MACHINE] [--wait] | exit [MACHINE] | status | limit N`: the
// cluster-wide maintenance semaphore (docs/operating.md, "Coordinated maintenance"). An OS updater
// runs `fleetctl maintenance enter --wait && reboot`; fleetd releases the slot after the reboot.
import type { FleetClient, WireMaintenance } from '@fleet/client';
import { ApiError } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { Args, CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, explained, UsageError } from '../cli/errors.js';
import { parseFormat, TABLE_OUTPUT_OPTION } from '../output/format.js';
import { machineByPrefix } from '../remote/targets.js';
import { drainState, renderStatus } from './maintenance-view.js';

const ACTIONS = ['enter', 'exit', 'status', 'limit'] as const;
type Action = (typeof ACTIONS)[number];

interface Request {
  readonly action: Action;
  readonly operand: string | undefined;
  readonly wait: boolean;
  readonly reason: string;
  readonly json: boolean;
}

function parseRequest(args: Args): Request {
  const [action, operand, ...extra] = args.operands('words');
  if (action === undefined) {
    throw new UsageError(`maintenance needs an action: ${ACTIONS.join(', ')}`);
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(
      `unknown maintenance action ${JSON.stringify(action)} (expected ${ACTIONS.join(', ')})`,
    );
  }
  if (extra.length > 0) throw new UsageError(`maintenance ${action} takes at most one argument`);
  if (action === 'status' && operand !== undefined) {
    throw new UsageError('maintenance status takes no argument');
  }
  if (action === 'limit' && operand === undefined)
    throw new UsageError('maintenance limit needs N');
  if (args.bool('wait') && action !== 'enter') {
    throw new UsageError('--wait only goes with maintenance enter');
  }
  const output = parseFormat(args.string('output'), 'table');
  return {
    action: action as Action,
    operand,
    wait: args.bool('wait'),
    reason: args.string('reason'),
    json: output === 'json',
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A machine operand (ID, prefix or IP) as its full ID; none: the answering fleetd's own. */
async function machineOf(ctx: Context, operand: string | undefined): Promise<string | undefined> {
  return operand === undefined ? undefined : (await machineByPrefix(ctx, operand)).id;
}

function json(ctx: Context, v: unknown): void {
  ctx.io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

async function enter(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const machine = await machineOf(ctx, req.operand);
  const reason = req.reason === '' ? undefined : req.reason;
  const interval = Math.max(ctx.settings.pollIntervalMs * 8, 100);
  let told = '';
  for (;;) {
    try {
      const res = await api.enterMaintenance(machine, reason);
      const id = res.holder.machineId;
      if (!req.wait) {
        if (req.json) json(ctx, res);
        else ctx.out(`${id} ${res.outcome === 'held' ? 'is already' : 'is now'} in maintenance`);
        return 0;
      }
      ctx.err(`${id} is in maintenance; waiting until it is drained`);
      return await waitDrained(ctx, api, id);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409 && req.wait)) {
        throw new CliError(`Error entering maintenance: ${oneLine(err)}`, { cause: err });
      }
      if (err.message !== told) ctx.err(`waiting for a maintenance slot: ${err.message}`);
      told = err.message;
      await sleep(interval);
    }
  }
}

/** Polls until no unit is placed on the machine any more, or what is left cannot move. */
async function waitDrained(ctx: Context, api: FleetClient, id: string): Promise<number> {
  const interval = Math.max(ctx.settings.pollIntervalMs * 4, 100);
  for (;;) {
    const units = await explained('Error retrieving units', () => api.listUnits());
    const s = drainState(units, id);
    if (s.drained) {
      ctx.out(`${id} is drained: safe to reboot`);
      return 0;
    }
    if (s.stuck.length > 0 && s.stuck.length === s.left.length) {
      ctx.err(`${id} cannot be drained; these units stay (the slot is kept):`);
      for (const line of s.stuck) ctx.err(`  ${line}`);
      return 1;
    }
    await sleep(interval);
  }
}

async function exit(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const machine = await machineOf(ctx, req.operand);
  const res = await explained('Error exiting maintenance', () => api.exitMaintenance(machine));
  if (req.json) json(ctx, res);
  else ctx.out(res.exited ? 'Left maintenance' : 'Was not in maintenance (uncordoned)');
  return 0;
}

async function status(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const m: WireMaintenance = await explained('Error retrieving maintenance', () =>
    api.getMaintenance(),
  );
  if (req.json) json(ctx, m);
  else ctx.io.stdout.write(renderStatus(m, [...(await ctx.machines()).values()]));
  return 0;
}

async function limit(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const n = Number(req.operand);
  if (!Number.isSafeInteger(n) || n < 1 || !/^[0-9]+$/.test(req.operand ?? '')) {
    throw new UsageError(`maintenance limit N: N must be an integer of at least 1`);
  }
  const m = await explained('Error setting the maintenance limit', () =>
    api.setMaintenanceLimit(n),
  );
  if (req.json) json(ctx, m);
  else ctx.out(`Maintenance limit is ${m.limit}`);
  return 0;
}

/** The maintenance command. */
export const maintenanceCommand: CommandSpec = {
  name: 'maintenance',
  usage: 'enter [MACHINE] [--wait] [--reason R] | exit [MACHINE] | status | limit N',
  summary: 'Take a machine into or out of coordinated maintenance (OS updates, reboots)',
  description:
    '- enter: take one of the cluster-wide maintenance slots for MACHINE (default: the machine\n' +
    'of the fleetd answering) and drain it. With --wait, wait for a slot while others hold them,\n' +
    'then until the machine is drained: exit 0 means "safe to reboot now".\n' +
    '- exit: uncordon MACHINE and release its slot.\n' +
    '- status: the limit and the holders.\n' +
    '- limit N: how many machines may be in maintenance at once (default 1).\n' +
    '\n' +
    'An OS updater runs `fleetctl maintenance enter --wait && systemctl reboot`; after the\n' +
    'reboot fleetd releases the slot itself once its units are back and healthy.',
  positional: '[words..]',
  options: {
    wait: {
      type: 'boolean',
      default: false,
      describe: 'With enter: wait for a slot and the drain',
    },
    reason: { type: 'string', default: '', describe: 'With enter: why (shown in status)' },
    output: TABLE_OUTPUT_OPTION,
  },
  async run(ctx, args) {
    const req = parseRequest(args);
    const api = await ctx.api();
    switch (req.action) {
      case 'enter':
        return enter(ctx, api, req);
      case 'exit':
        return exit(ctx, api, req);
      case 'status':
        return status(ctx, api, req);
      case 'limit':
        return limit(ctx, api, req);
    }
  },
};
