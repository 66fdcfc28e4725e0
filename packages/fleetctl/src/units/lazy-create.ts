// fleet's "lazy create" for submit, load, start and restart: make sure each named unit exists,
// creating it from the local file, or for an instance from its template (registered, else on
// disk next to the argument), and replacing a registered unit whose local file differs when
// --replace allows it. Validation is the API's, done before anything is sent.
import type { FleetClient, UnitSpec, WireUnit } from '@fleet/client';
import {
  splitUnitName,
  unitHash,
  UnitError,
  validateUnitName,
  validateUnitOptions,
  type DesiredState,
  type UnitOption,
} from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { findLocalUnit, type LocalUnit } from './local-file.js';
import { BATCH_LIMIT, HeldLines, mapBounded, readUnits, settle, type Outcome } from './batch.js';
import { unitFileArg, unitName } from './names.js';
import { refuseUnknownXFleet } from './strict.js';

/** Commands that lazily create units, and the desired states --replace may replace in. */
const REPLACEABLE: Readonly<Record<string, readonly DesiredState[]>> = {
  submit: ['inactive'],
  load: ['inactive', 'loaded'],
  start: ['inactive', 'loaded', 'launched'],
  restart: [],
};

/** Options of {@link lazyCreate}. */
export interface LazyCreateOptions {
  readonly command: 'submit' | 'load' | 'start' | 'restart';
  readonly replace: boolean;
  /** Desired state of units created here (the command's target; submit: inactive). */
  readonly desiredState: DesiredState;
}

/** What {@link lazyCreate} did. */
export interface LazyCreateResult {
  /** Every argument's unit name, in order. */
  readonly names: readonly string[];
  /** Units created (with the command's desired state). */
  readonly created: readonly string[];
  /** Registered units whose contents were replaced. */
  readonly replaced: readonly string[];
  /** What was written for each created or replaced unit (its options and desired state). */
  readonly written: ReadonlyMap<string, UnitSpec>;
}

function validate(
  ctx: Context,
  name: string,
  options: readonly UnitOption[],
  opts: LazyCreateOptions,
) {
  refuseUnknownXFleet(ctx, name, options);
  try {
    const req = validateUnitOptions(name, options);
    for (const w of req.warnings) ctx.err(`WARNING: Unit ${name}: ${w}`);
  } catch (err) {
    if (err instanceof UnitError) throw new CliError(`invalid unit options: ${err.message}`);
    throw err;
  }
  if (opts.desiredState !== 'inactive' && splitUnitName(name).isTemplate) {
    throw new CliError(`cannot activate template ${JSON.stringify(name)}`);
  }
}

function warnDiffers(ctx: Context, unit: WireUnit, local: LocalUnit): void {
  const what = local.fromTemplate ? 'local template unit file' : 'local unit file';
  ctx.err(
    `WARNING: Unit ${unit.name} in registry differs from ${what} ${local.file}. Add --replace to override.`,
  );
}

/** What to do about one argument's unit, decided from reads only. */
type Plan =
  | { readonly kind: 'kept' }
  | { readonly kind: 'create' | 'replace'; readonly spec: UnitSpec; readonly file?: string };

function existing(ctx: Context, unit: WireUnit, arg: string, opts: LazyCreateOptions): Plan {
  const kept = { kind: 'kept' } as const;
  let local: LocalUnit | undefined;
  try {
    local = findLocalUnit(arg, (p) => ctx.path(p));
  } catch (err) {
    if (opts.replace) throw err;
    ctx.debug(`not comparing ${unit.name} with its local file: ${String(err)}`);
    return kept;
  }
  if (local === undefined) {
    if (opts.replace) {
      throw new CliError(`unable to replace Unit(${unit.name}): no local unit file ${arg} found`);
    }
    return kept;
  }
  if (unitHash(local.options) === unitHash(unit.options)) {
    if (opts.replace) ctx.out(`Found same Unit(${unit.name}) in Registry, nothing to do`);
    return kept;
  }
  if (!opts.replace) {
    warnDiffers(ctx, unit, local);
    return kept;
  }
  if (!(REPLACEABLE[opts.command] ?? []).includes(unit.desiredState)) {
    ctx.err(
      `WARNING: can not replace Unit(${unit.name}) in state '${unit.desiredState}', use the appropriate command`,
    );
    return kept;
  }
  validate(ctx, unit.name, local.options, { ...opts, desiredState: unit.desiredState });
  // The API keeps the desired state on replace; say it explicitly all the same.
  const spec = { name: unit.name, options: local.options, desiredState: unit.desiredState };
  return { kind: 'replace', spec, file: local.file };
}

async function contentsFor(
  ctx: Context,
  api: FleetClient,
  name: string,
  arg: string,
): Promise<UnitOption[]> {
  const local = findLocalUnit(arg, (p) => ctx.path(p));
  if (local !== undefined && !local.fromTemplate) return local.options;
  const info = splitUnitName(name);
  if (!info.isInstance || info.template === undefined) {
    throw new CliError(`unable to find Unit(${name}) in Registry or on filesystem`);
  }
  const template = await api.getUnit(info.template);
  if (template !== undefined) {
    if (local !== undefined && unitHash(local.options) !== unitHash(template.options)) {
      warnDiffers(ctx, template, local);
    }
    ctx.debug(`creating ${name} from the registered template ${info.template}`);
    return [...template.options];
  }
  if (local !== undefined) return local.options;
  throw new CliError(
    `unable to find Unit(${name}) or its template Unit(${info.template}) in Registry or on filesystem`,
  );
}

function isValidName(name: string): boolean {
  try {
    validateUnitName(name);
    return true;
  } catch {
    return false;
  }
}

/** Reads what one argument needs and decides what to write (nothing is written here). */
async function plan(
  ctx: Context,
  api: FleetClient,
  raw: string,
  read: Outcome<WireUnit | undefined> | undefined,
  opts: LazyCreateOptions,
): Promise<Plan> {
  const arg = unitFileArg(raw);
  const name = unitName(raw);
  try {
    validateUnitName(name);
  } catch (err) {
    throw err instanceof UnitError ? new CliError(err.message) : err;
  }
  if (read?.ok === false) throw read.err;
  const unit = read?.value;
  if (unit !== undefined) return existing(ctx, unit, arg, opts);
  const options = await contentsFor(ctx, api, name, arg);
  validate(ctx, name, options, opts);
  return { kind: 'create', spec: { name, options, desiredState: opts.desiredState } };
}

async function write(ctx: Context, api: FleetClient, p: Plan): Promise<void> {
  if (p.kind === 'kept') return;
  await api.createUnit(p.spec);
  if (p.kind === 'replace') ctx.debug(`replaced ${p.spec.name} with ${p.file ?? '?'}`);
  else ctx.debug(`created ${p.spec.name} (${p.spec.desiredState ?? 'inactive'})`);
}

/**
 * Ensures every argument's unit exists (see the module comment). The units are read and
 * decided concurrently, then written concurrently; lines are printed per unit in the order
 * given. Stops at the first failure: units after it are not written.
 * @throws CliError `Error creating units: <why>`
 */
export async function lazyCreate(
  ctx: Context,
  args: readonly string[],
  opts: LazyCreateOptions,
): Promise<LazyCreateResult> {
  const api = await ctx.api();
  const names = args.map(unitName);
  const held = args.map(() => new HeldLines(ctx));
  // Names that are not valid are not read (plan reports them).
  const valid = names.map((n) => (isValidName(n) ? n : undefined));
  const known = await readUnits(
    api,
    valid.filter((n) => n !== undefined),
  );
  const byName = new Map(valid.filter((n) => n !== undefined).map((n, i) => [n, known[i]]));
  const plans = await mapBounded(args, BATCH_LIMIT, (raw, i) =>
    settle(plan(held[i]?.ctx ?? ctx, api, raw, byName.get(names[i] ?? ''), opts)),
  );
  let firstBad = plans.findIndex((p) => !p.ok);
  if (firstBad < 0) firstBad = plans.length;
  // --strict changes nothing when any unit is refused (else the units before it are written).
  const bad = plans[firstBad];
  if (ctx.globals.strict === true && bad?.ok === false) {
    for (const h of held.slice(0, firstBad + 1)) h.flush();
    throw new CliError(`Error creating units: ${oneLine(bad.err)}`, { cause: bad.err });
  }
  const good = plans.slice(0, firstBad).map((p) => (p.ok ? p.value : ({ kind: 'kept' } as const)));
  const writes = await mapBounded(good, BATCH_LIMIT, (p, i) =>
    settle(write(held[i]?.ctx ?? ctx, api, p)),
  );
  const created: string[] = [];
  const replaced: string[] = [];
  const written = new Map<string, UnitSpec>();
  const outcomes: Outcome<unknown>[] = [...writes, ...plans.slice(firstBad, firstBad + 1)];
  for (const [i, outcome] of outcomes.entries()) {
    held[i]?.flush();
    if (!outcome.ok) {
      const why = oneLine(outcome.err);
      throw new CliError(`Error creating units: ${why}`, { cause: outcome.err });
    }
    const p = good[i];
    if (p === undefined || p.kind === 'kept') continue;
    (p.kind === 'create' ? created : replaced).push(p.spec.name);
    written.set(p.spec.name, p.spec);
  }
  return { names, created, replaced, written };
}
