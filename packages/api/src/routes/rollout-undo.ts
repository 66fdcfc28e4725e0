// `POST /fleet/x/rollouts/{group}/undo`: puts the group's units back on the version before the
// current one, as a PUT replace does; the engine then rolls that version out as any change.
import { shortHash, groupOf } from '@fleet/unit';
import type { Rollout } from '@fleet/registry';
import { HttpError } from '../errors.js';
import type { RouteDeps } from '../route.js';

/** What an undo answers: the group, the version left, the version restored, the units changed. */
export interface UndoAnswer {
  readonly group: string;
  readonly fromHash: string;
  readonly toHash: string;
  readonly units: readonly string[];
}

/** The hash most of the group's units have (ties: the first in name order). */
function currentHash(units: readonly { hash: string }[]): string | undefined {
  const count = new Map<string, number>();
  for (const u of units) count.set(u.hash, (count.get(u.hash) ?? 0) + 1);
  let best: string | undefined;
  for (const [h, n] of count) if (best === undefined || n > (count.get(best) ?? 0)) best = h;
  return best;
}

/**
 * Finds the newest record (the current one first, then the history) that went to the group's
 * current version from another one, and replaces every unit of the group on the current version
 * with that record's `fromHash` contents (desired state kept).
 * @throws HttpError 404 if the group has no unit, 409 if there is no earlier version to go to
 */
export async function undoRollout(deps: RouteDeps, group: string): Promise<UndoAnswer> {
  const { registry, listings } = deps;
  const units = (await registry.listUnits()).items.filter((u) => groupOf(u.name) === group);
  const hash = currentHash(units);
  if (hash === undefined) throw new HttpError(404, `${group} has no units`);
  const { current, history } = await registry.getRollout(group);
  const records: Rollout[] = [...(current === undefined ? [] : [current]), ...history];
  const found = records.find((r) => r.toHash === hash && r.fromHash !== hash);
  if (found === undefined) {
    throw new HttpError(
      409,
      `no earlier version of ${group} to go back to: no rollout went to its current version ${shortHash(hash)}`,
    );
  }
  const options = await registry.getContents(found.fromHash);
  if (options === undefined) {
    throw new HttpError(
      409,
      `the earlier version ${shortHash(found.fromHash)} of ${group} is no longer stored`,
    );
  }
  const changed: string[] = [];
  for (const u of units) {
    if (u.hash !== hash) continue;
    await listings.afterWrite(() =>
      registry.replaceUnit({ name: u.name, options, desiredState: u.desiredState }),
    );
    changed.push(u.name);
  }
  return { group, fromHash: hash, toHash: found.fromHash, units: changed };
}
