// `fleetctl apply --wait`: after an apply, follow what it changed until it is live. A replaced
// unit's group is followed through its rollout (GET /fleet/x/rollouts/{group}, docs/deploys.md)
// until it succeeded, failed or was rolled back; every launched unit it created, replaced or
// started must then report every copy active with its new hash in /fleet/v1/state. A server
// without rollouts (404) is judged on the states alone: a copy `failed` with the new hash fails.
import type { FleetClient, WireRollout } from '@fleet/client';
import { groupOf } from '@fleet/unit';
import type { Context } from '../cli/context.js';

/** A unit the apply changed, and the hash it must run with. */
export interface WaitTarget {
  readonly name: string;
  readonly hash: string;
  /** Replaced: its group rolls out (created and started units are simply scheduled). */
  readonly replaced: boolean;
}

/** Rollout states that end in failure. */
const FAILED = new Set(['failed', 'rolled-back', 'rolling-back']);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Why a rollout failed, in one line. */
function failure(group: string, r: WireRollout): string {
  const why = r.reason === undefined || r.reason === '' ? '' : `: ${r.reason}`;
  return `rollout ${r.id} of ${group} ${r.state}${why}`;
}

/**
 * The groups' rollouts: a failure, or what is still pending. Groups without a rollout started by
 * the apply (404: a server without rollouts, or none yet) are added to `noRollouts`, judged on
 * their states alone, and asked again at the next poll.
 */
async function checkRollouts(
  ctx: Context,
  api: FleetClient,
  groups: ReadonlyMap<string, Group>,
  shown: Map<string, string>,
  noRollouts: Set<string>,
): Promise<{ failed?: string; pending?: string }> {
  let pending: string | undefined;
  for (const [group, { hashes, before }] of groups) {
    const found = await api.getRollout(group);
    if (found === undefined) {
      noRollouts.add(group);
      continue;
    }
    // Only a rollout that started after the apply to one of its hashes (not an older one to the
    // same version, rolled back before).
    const rec = [found.current, ...found.history].find(
      (r) => r !== null && r.id > before && hashes.has(r.toHash),
    );
    if (rec === undefined || rec === null) {
      // None (yet): units without copies are just scheduled; the states decide.
      noRollouts.add(group);
      continue;
    }
    const line = `${group}: rollout ${rec.id} ${rec.state}`;
    if (shown.get(group) !== line) ctx.err(line);
    shown.set(group, line);
    if (FAILED.has(rec.state)) return { failed: failure(group, rec) };
    if (rec.state !== 'succeeded') pending ??= `${group}: rollout ${rec.id} is ${rec.state}`;
  }
  return pending === undefined ? {} : { pending };
}

/** Every copy of the targets active with the new hash: a failed copy, or what is pending. */
async function checkStates(
  api: FleetClient,
  targets: readonly WaitTarget[],
  noRollouts: ReadonlySet<string>,
): Promise<{ failed?: string; pending?: string }> {
  const states = await api.listUnitStates({ names: targets.map((t) => t.name) });
  let pending: string | undefined;
  for (const t of targets) {
    const copies = states.filter((s) => s.name === t.name);
    const bad = copies.find((s) => s.hash === t.hash && s.systemdActiveState === 'failed');
    if (bad !== undefined && (!t.replaced || noRollouts.has(groupOf(t.name)))) {
      return { failed: `${t.name} failed on machine ${bad.machineID}` };
    }
    if (copies.length === 0) pending ??= `${t.name} is not running anywhere yet`;
    const old = copies.find((s) => s.hash !== t.hash || s.systemdActiveState !== 'active');
    if (old !== undefined) {
      const what = old.hash === t.hash ? (old.systemdActiveState ?? 'unknown') : 'the old version';
      pending ??= `${t.name} on machine ${old.machineID} is ${what}`;
    }
  }
  return pending === undefined ? {} : { pending };
}

/** A replaced group: the hashes it moves to, and its newest rollout's ID before the apply. */
interface Group {
  readonly hashes: ReadonlySet<string>;
  readonly before: number;
}

/**
 * The newest rollout ID of each group before the apply (0: none), so that a rollout it starts is
 * told apart from an older one to the same version.
 */
export async function rolloutsBefore(
  api: FleetClient,
  groups: Iterable<string>,
): Promise<ReadonlyMap<string, number>> {
  const out = new Map<string, number>();
  for (const g of new Set(groups)) {
    const found = await api.getRollout(g);
    const ids = found === undefined ? [] : [found.current, ...found.history].map((r) => r?.id ?? 0);
    out.set(g, Math.max(0, ...ids));
  }
  return out;
}

/**
 * Waits until the apply is live.
 * @returns `undefined` once it is, else the reason it failed or timed out (one line)
 */
export async function waitApplied(
  ctx: Context,
  api: FleetClient,
  targets: readonly WaitTarget[],
  before: ReadonlyMap<string, number>,
  timeout: { readonly ms: number; readonly text: string },
): Promise<string | undefined> {
  const deadline = performance.now() + timeout.ms;
  const groups = new Map<string, Group>();
  for (const t of targets.filter((x) => x.replaced)) {
    const g = groupOf(t.name);
    const hashes = new Set(groups.get(g)?.hashes ?? []).add(t.hash);
    groups.set(g, { hashes, before: before.get(g) ?? 0 });
  }
  const shown = new Map<string, string>();
  for (;;) {
    const noRollouts = new Set<string>();
    const rollouts = await checkRollouts(ctx, api, groups, shown, noRollouts);
    if (rollouts.failed !== undefined) return rollouts.failed;
    const states = await checkStates(api, targets, noRollouts);
    if (states.failed !== undefined) return states.failed;
    const pending = rollouts.pending ?? states.pending;
    if (pending === undefined) return undefined;
    if (performance.now() >= deadline) return `timed out after ${timeout.text}: ${pending}`;
    ctx.debug(`waiting: ${pending}`);
    await sleep(ctx.settings.pollIntervalMs);
  }
}
