// Plan and apply (docs/deploys.md, "Plan and apply"): the body of both requests, checked as PUT
// /units checks a new unit, and the difference between the given units and the cluster's, as the
// answer shows it and as the registry's applyUnits writes it.
import type { Plan, PlanChange } from '@fleet/client';
import type { Unit, UnitApply, UnitInput } from '@fleet/registry';
import {
  compareStrings,
  serializeUnitOptions,
  splitUnitName,
  unitHash,
  type DesiredState,
  type UnitOption,
} from '@fleet/unit';
import { z } from 'zod';
import { HttpError } from './errors.js';
import { unifiedDiff } from './unified-diff.js';
import { checkUnitName, checkUnitOptions, firstIssue } from './validation.js';

const optionSchema = z.object({
  section: z.string({ error: 'must be a string' }),
  name: z.string({ error: 'must be a string' }),
  value: z.string({ error: 'must be a string' }),
});

const bodySchema = z.object(
  {
    units: z.array(
      z.object(
        {
          name: z.string({ error: 'must be a string' }),
          options: z.array(optionSchema, { error: 'must be an array of {section, name, value}' }),
        },
        { error: 'expected a unit {name, options}' },
      ),
      { error: 'must be an array of units' },
    ),
    prune: z.boolean({ error: 'must be true or false' }).optional(),
    checkRevision: z
      .string({ error: 'must be a revision as a string' })
      .regex(/^(0|[1-9][0-9]{0,18})$/, { error: 'must be a revision (decimal digits)' })
      .optional(),
  },
  { error: 'expected a JSON object {units, prune, checkRevision}' },
);

/** A checked plan or apply body. */
export interface PlanRequestIn {
  readonly units: readonly { readonly name: string; readonly options: readonly UnitOption[] }[];
  readonly prune: boolean;
  readonly checkRevision: string | undefined;
}

/**
 * Decodes a plan/apply body and checks every unit as PUT /units checks a new one: a valid name,
 * given once, with options that form a valid unit.
 * @throws HttpError 400 naming the unit and the problem, 413 for a unit too large
 */
export function parsePlanRequest(body: unknown): PlanRequestIn {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    throw new HttpError(400, `unable to decode body: ${firstIssue(parsed.error)}`);
  }
  const seen = new Set<string>();
  for (const { name, options } of parsed.data.units) {
    const unitErr = (err: unknown): never => {
      if (err instanceof HttpError) {
        throw new HttpError(err.status, `unit ${JSON.stringify(name)}: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    };
    try {
      checkUnitName(name);
      if (options.length === 0) throw new HttpError(400, 'options field empty');
      checkUnitOptions(name, options);
    } catch (err) {
      unitErr(err);
    }
    if (seen.has(name)) throw new HttpError(400, `unit ${JSON.stringify(name)} is given twice`);
    seen.add(name);
  }
  return {
    units: parsed.data.units,
    prune: parsed.data.prune ?? false,
    checkRevision: parsed.data.checkRevision,
  };
}

/** What every given unit ends as: templates are stored inactive, everything else launched. */
export function targetState(name: string): DesiredState {
  return splitUnitName(name).isTemplate ? 'inactive' : 'launched';
}

/** A plan and the registry write that carries it out. */
export interface Computed {
  readonly changes: PlanChange[];
  readonly write: UnitApply;
}

/** The difference between the request's units and the cluster's, sorted by unit name. */
export function computePlan(req: PlanRequestIn, cluster: readonly Unit[]): Computed {
  const stored = new Map(cluster.map((u) => [u.name, u]));
  const given = new Set(req.units.map((u) => u.name));
  const changes: PlanChange[] = [];
  const create: UnitInput[] = [];
  const replace: UnitInput[] = [];
  const setState: { name: string; desiredState: DesiredState }[] = [];
  const destroy: string[] = [];
  // A given template carries its instances in the cluster that are not given themselves: they
  // get its contents (and keep their desired state), and --prune keeps them.
  const templates = new Map(
    req.units.filter((u) => splitUnitName(u.name).isTemplate).map((u) => [u.name, u.options]),
  );
  const units: { name: string; options: readonly UnitOption[]; desiredState?: DesiredState }[] = [
    ...req.units,
  ];
  for (const u of cluster) {
    const template = splitUnitName(u.name).template;
    const options = template === undefined ? undefined : templates.get(template);
    if (options === undefined || given.has(u.name)) continue;
    given.add(u.name);
    units.push({ name: u.name, options, desiredState: u.desiredState });
  }
  for (const { name, options, desiredState = targetState(name) } of units) {
    const cur = stored.get(name);
    const toHash = unitHash(options);
    if (cur === undefined) {
      changes.push({ action: 'create', name, desiredState });
      create.push({ name, options, desiredState });
    } else if (cur.hash !== toHash) {
      const diff = unifiedDiff(
        serializeUnitOptions(cur.options),
        serializeUnitOptions(options),
        `${name} (cluster)`,
        `${name} (files)`,
      );
      changes.push({ action: 'replace', name, fromHash: cur.hash, toHash, diff, desiredState });
      replace.push({ name, options, desiredState });
    } else if (cur.desiredState !== desiredState) {
      changes.push({ action: 'start', name, from: cur.desiredState, desiredState });
      setState.push({ name, desiredState });
    } else {
      changes.push({ action: 'unchanged', name });
    }
  }
  if (req.prune) {
    for (const u of cluster) {
      if (given.has(u.name)) continue;
      changes.push({ action: 'destroy', name: u.name });
      destroy.push(u.name);
    }
  }
  changes.sort((a, b) => compareStrings(a.name, b.name));
  return { changes, write: { create, replace, setState, destroy } };
}

/** The answer. */
export function planOf(revision: string, changes: readonly PlanChange[]): Plan {
  return { revision, changed: changes.some((c) => c.action !== 'unchanged'), changes };
}
