// `fleetctl plan FILE|DIR...`: what `apply` would change in the cluster, computed by the API at
// the cluster's unit epoch. Exit 0: nothing to change, 2: changes, 1: error (for CI to branch on).
import type { Options } from 'yargs';
import type { FleetClient, Plan, PlanRequest } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { Args, CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { isTty } from '../cli/io.js';
import { parseFormat } from '../output/format.js';
import { renderPlan } from '../output/plan.js';
import { readUnitSet, type FileUnit } from '../units/unit-set.js';

/** `--prune` and `--output`/`-o` of plan and apply. */
export const DEPLOY_OPTIONS: Readonly<Record<string, Options>> = {
  prune: {
    type: 'boolean',
    default: false,
    describe: 'Destroy every unit in the cluster that is not given',
  },
  output: {
    type: 'string',
    default: 'text',
    alias: 'o',
    describe: 'Output format: text or json (the Plan object of the API)',
  },
};

/** Whether `-o json` was asked for. @throws UsageError for another format than text or json */
export function jsonOutput(args: Args): boolean {
  return parseFormat(args.string('output'), 'text') === 'json';
}

/** The request body for the given units. */
export function planRequest(units: readonly FileUnit[], prune: boolean): PlanRequest {
  return { units: units.map((u) => ({ name: u.name, options: u.options })), prune };
}

/** Prints a plan: JSON, or the human lines (coloured when stdout is a terminal). */
export function printPlan(ctx: Context, plan: Plan, json: boolean, done: boolean): void {
  if (json) {
    ctx.io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return;
  }
  const tty = isTty(ctx.io.stdout);
  for (const line of renderPlan(plan, tty, done)) ctx.io.stdout.write(`${line}\n`);
}

/** Calls the API, turning its refusal into one line: `Error <doing>: <message>`. */
export async function deployCall<T>(doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new CliError(`Error ${doing}: ${oneLine(err)}`, { cause: err });
  }
}

/** The plan command. */
export const planCommand: CommandSpec = {
  name: 'plan',
  usage: '[--prune] [-o json] FILE|DIR...',
  summary: 'Show what apply would change in the cluster (exit 0: nothing, 2: changes)',
  description:
    'Compares the given unit files with the cluster: units to create, replace (with a unified\n' +
    'diff of the unit text), start, destroy (--prune: every unit not given) and unchanged ones.\n' +
    'A DIR means its unit files; a symlink web@1.service -> web@.service in it is an instance;\n' +
    'an instance without a file of its own is read from its template file. The plan ends with\n' +
    'the revision it was computed at: pass it to apply --check-revision.\n' +
    'Exit status: 0 no changes, 2 changes, 1 error.',
  positional: '[units..]',
  options: DEPLOY_OPTIONS,
  async run(ctx, args) {
    const json = jsonOutput(args);
    const units = readUnitSet(ctx, args.operands('units'));
    const api: FleetClient = await ctx.api();
    const plan = await deployCall('planning', () =>
      api.plan(planRequest(units, args.bool('prune'))),
    );
    printPlan(ctx, plan, json, false);
    return plan.changed ? 2 : 0;
  },
};
