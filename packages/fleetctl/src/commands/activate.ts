// The common path of submit, load and start: lazily create the units, set their desired state,
// then wait for them (or, with --no-block, say they were triggered). Global units are never
// waited on: fleet prints `Triggered global unit <u> <verb>` for them.
//
// submit only creates: as fleet's submit (lazyCreateUnits alone), it never changes the desired
// state of a unit already in the cluster, so submitting the file of a running unit leaves it
// running. load and start set their state on every named unit, as fleet did: `load` of a
// launched unit sets it to `loaded`, which stops it (fleet's setTargetStateOfUnits).
import type { WireUnit } from '@fleet/client';
import type { DesiredState, UnitOption } from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import type { Args } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, UsageError } from '../cli/errors.js';
import { isGlobal, type Goal } from '../block/judge.js';
import { waitForUnits } from '../block/wait.js';
import { lazyCreate } from '../units/lazy-create.js';
import { setTargetStates } from '../units/target-state.js';
import { recordUnit } from '../output/results.js';
import { blockAttempts, printTriggered, rejectSign } from './shared.js';

/**
 * Splits units into global and other units, from what this command wrote or read of each (a
 * unit it knows nothing of counts as other).
 */
function splitGlobal(
  names: readonly string[],
  known: ReadonlyMap<string, { readonly name: string; readonly options: readonly UnitOption[] }>,
): { global: string[]; other: string[] } {
  const global: string[] = [];
  const other: string[] = [];
  for (const name of names) {
    const unit = known.get(name);
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
  let changed: WireUnit[] = [];
  try {
    if (setsExisting) {
      // Units created just now already have the desired state: only the others are read again.
      const fresh = new Set(created.created);
      const rest = created.names.filter((n) => !fresh.has(n));
      changed = await setTargetStates(ctx, rest, desiredState);
    }
  } catch (err) {
    const why = oneLine(err);
    throw new CliError(`Error ${gerund} units: ${why}`, { cause: err });
  }
  const known = new Map<string, { name: string; options: readonly UnitOption[] }>(created.written);
  for (const u of changed) known.set(u.name, u);
  const waitOn = created.names.filter((n, i) => known.has(n) && created.names.indexOf(n) === i);
  // -o json: every unit in order; one not waited on was already in the state (submit: kept).
  for (const n of created.names) {
    recordUnit(ctx, n, known.has(n) || command === 'submit' ? {} : { state: desiredState });
  }
  const { global, other } = splitGlobal(waitOn, known);
  if (command !== 'submit') {
    for (const name of global) {
      ctx.out(`Triggered global unit ${name} ${command}`);
      recordUnit(ctx, name, { state: desiredState });
    }
  }
  if (attempts < 0) {
    printTriggered(ctx, other, command, desiredState);
    return 0;
  }
  const ok = await waitForUnits(ctx, command === 'submit' ? waitOn : other, goal, attempts);
  return ok ? 0 : 1;
}
