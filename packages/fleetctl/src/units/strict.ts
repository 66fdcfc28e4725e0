// `--strict` (FLEETCTL_STRICT=1): a unit file with an [X-Fleet] key fleet does not know is refused,
// before anything is sent, in one line naming the key and the known key closest to it. Without
// it the key is a warning, as in fleet (and the unit runs without that constraint).
import {
  fleetRequirements,
  HEALTH_CHECK_KEYS,
  REQUIREMENT_KEYS,
  ROLLOUT_KEYS,
  X_FLEET_SECTION,
  type UnitOption,
} from '@fleet/unit';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { editDistance } from '../cli/suggest.js';

/** Every [X-Fleet] key fleetd reads: requirements, rollout and health-check settings. */
const KNOWN: readonly string[] = [...REQUIREMENT_KEYS, ...ROLLOUT_KEYS, ...HEALTH_CHECK_KEYS];

/** The first [X-Fleet] key of `options` that fleetd does not read, if any. */
export function unknownXFleetKey(options: readonly UnitOption[]): string | undefined {
  return options.find((o) => o.section === X_FLEET_SECTION && !KNOWN.includes(o.name))?.name;
}

/** The known [X-Fleet] key closest to `key` (ties: the first in sorted order). */
export function closestXFleetKey(key: string): string {
  let best = '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of [...KNOWN].sort()) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * With --strict, refuses a unit with an unknown [X-Fleet] key.
 * @throws CliError `Unit NAME: unknown [X-Fleet] key "K" (did you mean "L"?); --strict refuses it`
 */
export function refuseUnknownXFleet(
  ctx: Context,
  name: string,
  options: readonly UnitOption[],
): void {
  if (ctx.globals.strict !== true) return;
  const key = unknownXFleetKey(options);
  if (key === undefined) return;
  throw new CliError(
    `Unit ${name}: unknown [X-Fleet] key ${JSON.stringify(key)} ` +
      `(did you mean ${JSON.stringify(closestXFleetKey(key))}?); --strict refuses it`,
  );
}

/** plan and apply: refuses (--strict) or warns about each unit's [X-Fleet] problems. */
export function checkXFleetKeys(
  ctx: Context,
  units: readonly { readonly name: string; readonly options: readonly UnitOption[] }[],
): void {
  for (const u of units) refuseUnknownXFleet(ctx, u.name, u.options);
  for (const u of units) {
    for (const w of fleetRequirements(u.name, u.options).warnings) {
      ctx.err(`WARNING: Unit ${u.name}: ${w}`);
    }
  }
}
