// The common path of submit, load and start: lazily create the units, set their desired state,
// then wait for them (or, with --no-block, say they were triggered). Global units are never
// waited on: fleet prints `Triggered global unit <u> <verb>` for them.
//
// submit only creates: as fleet's submit (lazyCreateUnits alone), it never changes the desired
// state of a unit already in the cluster, so submitting the file of a running unit leaves it
// running. load and start set their state on every named unit, as fleet did: `load` of a
// launched unit sets it to `loaded`, which stops it (fleet's setTargetStateOfUnits).
import type { DesiredState } from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import type { Args } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, UsageError } from '../cli/errors.js';
import { isGlobal, type Goal } from '../block/judge.js';
import { waitForUnits } from '../block/wait.js';
import { readUnits } from '../units/batch.js';
import { lazyCreate } from '../units/lazy-create.js';
import { setTargetStates } from '../units/target-state.js';
import { blockAttempts, printTriggered, rejectSign } from './shared.js';

/** Splits units into global and other units (units that vanished count as other). */
export async function splitGlobal(
  ctx: Context,
  names: readonly string[],
): Promise<{ global: string[]; other: string[] }> {
  const api = await ctx.api();
  const units = await readUnits(api, names);
  const global: string[] = [];
  const other: string[] = [];
  for (const [i, name] of names.entries()) {
    const read = units[i];
    if (read?.ok === false) throw read.err;
    const unit = read?.value;
    (unit !== undefined && isGlobal(unit) ? global : other).push(name);
  }
  return { global, other };
}

/**
 * submit, load and start: the desired state each gives (new units only, for submit), and what
 * it waits for.
 */
const GOALS = {
  submit: { state: 'inactive', gerund: 'submitting', setsExisting: false },
  load: { state: 'loaded', gerund: 'loading', setsExisting: true },
  start: { state: 'launched', systemdActive: true, gerund: 'starting', setsExisting: true },
} as const satisfies Record<
  string,
  Goal & { readonly gerund: string; readonly setsExisting: boolean }
>;

/** Runs submit, load or start. @returns the exit code */
export async function activate(
  ctx: Context,
  args: Args,
  command: keyof typeof GOALS,
): Promise<number> {
  rejectSign(args);
  const raw = args.operands('units');
  if (raw.length === 0) throw new UsageError('No units given');
  const { gerund, setsExisting, ...goal } = GOALS[command];
  const desiredState: DesiredState = goal.state;
  const attempts = command === 'submit' ? 0 : blockAttempts(args);
  const created = await lazyCreate(ctx, raw, {
    command,
    replace: args.bool('replace'),
    desiredState,
  });
  let changed: string[] = [];
  try {
    if (setsExisting) {
      changed = (await setTargetStates(ctx, created.names, desiredState)).map((u) => u.name);
    }
  } catch (err) {
    const why = oneLine(err);
    throw new CliError(`Error ${gerund} units: ${why}`, { cause: err });
  }
  const touched = new Set([...created.created, ...created.replaced, ...changed]);
  const waitOn = created.names.filter((n, i) => touched.has(n) && created.names.indexOf(n) === i);
  const { global, other } = await splitGlobal(ctx, waitOn);
  if (command !== 'submit') {
    for (const name of global) ctx.out(`Triggered global unit ${name} ${command}`);
  }
  if (attempts < 0) {
    printTriggered(ctx, other, command);
    return 0;
  }
  const ok = await waitForUnits(ctx, command === 'submit' ? waitOn : other, goal, attempts);
  return ok ? 0 : 1;
}
