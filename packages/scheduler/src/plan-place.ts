// Phases 2 and 3 of a planning pass: every global unit on every eligible machine, then every other
// unit that wants to run on the least-loaded machine that passes every filter.
import { compareStrings } from '@fleet/unit';
import { replaceEachOther, replaces } from './cluster.js';
import {
  GLOBAL_FILTERS,
  UNIT_FILTERS,
  check,
  metadataFilter,
  summarize,
  type Rejection,
} from './filters.js';
import { byName, circularRival, isActive, type PlanContext } from './plan-context.js';
import { Reason } from './reasons.js';
import type { SnapshotUnit } from './types.js';

/**
 * Phase 2: every global unit on every eligible machine; a refusing machine is reported. `units`
 * (in name order) are the units to look at: all of them, or (planner.ts) the global ones.
 */
export function placeGlobal(
  ctx: PlanContext,
  units: Iterable<SnapshotUnit> = ctx.units.values(),
): void {
  const { state, book } = ctx;
  for (const unit of units) {
    if (!unit.requirements.global || !isActive(unit)) continue;
    const missing: string[] = [];
    for (const machineId of [...state.slots.keys()].sort()) {
      if (state.machinesOf(unit.name).has(machineId) || !state.accepting(machineId)) continue;
      const rejection = check(GLOBAL_FILTERS, unit, machineId, state);
      if (rejection === undefined) {
        state.place(unit, machineId);
        book.schedule(unit, machineId, Reason.global(unit.desiredState));
      } else if (metadataFilter(unit, machineId, state) === undefined) {
        // Eligible by its metadata, yet refused: say so. (Machines it does not select are not missing.)
        missing.push(`${machineId.slice(0, 8)}... ${rejection.one}`);
      }
    }
    if (missing.length > 0) book.waiting.set(unit.name, Reason.globalMissing(missing));
  }
}

/**
 * Phase 3: every unscheduled non-global unit that wants to run, peers before followers. `units`
 * (in name order) are the units to look at: all of them, or (planner.ts) the ones that waited and
 * the ones that changed.
 */
export function placeUnits(
  ctx: PlanContext,
  units: Iterable<SnapshotUnit> = ctx.units.values(),
): void {
  let pending = [...units].filter(
    (unit) =>
      !unit.requirements.global && isActive(unit) && ctx.state.machinesOf(unit.name).size === 0,
  );
  const limit = pending.length * 2 + 2;
  for (let round = 0; pending.length > 0 && round < limit; round++) {
    const next: SnapshotUnit[] = [];
    let progress = false;
    for (const unit of pending) {
      const displaced = tryPlace(ctx, unit);
      if (displaced === undefined) next.push(unit);
      else {
        progress = true;
        next.push(...displaced);
      }
    }
    pending = next.sort(byName);
    if (!progress) break;
  }
}

/** Places `unit` if it can; returns the units it displaced (Replaces), or `undefined` if it waits. */
function tryPlace(ctx: PlanContext, unit: SnapshotUnit): SnapshotUnit[] | undefined {
  const { state, book } = ctx;
  const wait = (reason: string) => {
    book.waiting.set(unit.name, reason);
    return undefined;
  };
  const rival = circularRival(ctx, unit);
  if (rival !== undefined) return wait(Reason.replaceEachOther(rival));
  const peers = unit.requirements.machineOf;
  const candidates = peers.length > 0 ? peerHomes(ctx, peers) : placementOrder(ctx, unit);
  if (typeof candidates === 'string') return wait(candidates);
  const rejections: Rejection[] = [];
  let firstRejected = '';
  for (const machineId of candidates) {
    const rejection = check(UNIT_FILTERS, unit, machineId, state);
    if (rejection !== undefined) {
      if (rejections.length === 0) firstRejected = machineId;
      rejections.push(rejection);
      continue;
    }
    const displaced = displace(ctx, unit, machineId);
    state.place(unit, machineId);
    book.waiting.delete(unit.name);
    const replaced = displaced.map((d) => d.name);
    book.schedule(
      unit,
      machineId,
      replaced.length > 0
        ? Reason.scheduledReplacing(unit.desiredState, replaced.join(', '))
        : Reason.scheduled(unit.desiredState),
    );
    return displaced;
  }
  const first = rejections[0];
  if (peers.length > 0 && first !== undefined && rejections.length === 1) {
    return wait(Reason.peerHostRefuses(firstRejected, first.one));
  }
  return wait(summarize(rejections, rejections.length));
}

/**
 * A follower's candidates: the accepting machines where all its peers are (a global peer is
 * everywhere), least loaded first; or why it waits.
 */
function peerHomes(ctx: PlanContext, peers: readonly string[]): string[] | string {
  const { state } = ctx;
  let homes: Set<string> | undefined;
  for (const peer of peers) {
    if (!ctx.units.has(peer)) return Reason.peerMissing(peer);
    const at = state.machinesOf(peer);
    if (at.size === 0) return Reason.peerUnscheduled(peer);
    homes = homes === undefined ? new Set(at) : new Set([...homes].filter((home) => at.has(home)));
  }
  if (homes === undefined || homes.size === 0) return Reason.peersApart(peers);
  for (const home of homes) if (!state.accepting(home)) homes.delete(home);
  if (homes.size === 0) return Reason.peerHostAway(peers);
  return leastLoaded(ctx, homes);
}

/**
 * The machines to try for a unit that follows no peer: those running units it replaces (fleet
 * prefers them), then every machine, least loaded first.
 */
function placementOrder(ctx: PlanContext, unit: SnapshotUnit): Iterable<string> {
  return preferThenRest(replaceTargets(ctx, unit), ctx.state.leastLoaded());
}

/** `machines` least loaded first, ties by machine ID. */
function leastLoaded(ctx: PlanContext, machines: Iterable<string>): string[] {
  const { state } = ctx;
  return [...machines].sort((a, b) => state.load(a) - state.load(b) || compareStrings(a, b));
}

/** Machines (least loaded first) running units that `unit` replaces. */
function replaceTargets(ctx: PlanContext, unit: SnapshotUnit): string[] {
  if (unit.requirements.replaces.length === 0) return [];
  const targets = new Set<string>();
  for (const [name, machines] of ctx.state.placed) {
    const other = ctx.units.get(name);
    if (other === undefined || !replaces(unit, other, ctx.match)) continue;
    if (replaceEachOther(unit, other, ctx.match)) continue;
    for (const machineId of machines) if (ctx.state.accepting(machineId)) targets.add(machineId);
  }
  return leastLoaded(ctx, targets);
}

/** Removes from `machineId` the units `unit` replaces; they are rescheduled elsewhere. */
function displace(ctx: PlanContext, unit: SnapshotUnit, machineId: string): SnapshotUnit[] {
  const { state, book } = ctx;
  const out: SnapshotUnit[] = [];
  const slot = state.slots.get(machineId);
  if (slot === undefined || unit.requirements.replaces.length === 0) return out;
  for (const name of [...slot.units].sort()) {
    const other = ctx.units.get(name);
    if (other === undefined || !replaces(unit, other, ctx.match)) continue;
    if (replaceEachOther(unit, other, ctx.match)) continue;
    state.remove(name, machineId);
    const kept = book.release(name, machineId);
    if (kept !== undefined) book.unschedule(kept, Reason.replacedBy(unit.name));
    else book.dropScheduled(name, machineId);
    out.push(other);
  }
  return out;
}

/** `first` in order, then the rest of `all` that is not in `first`, lazily. */
function* preferThenRest(first: readonly string[], all: Iterable<string>): Generator<string> {
  yield* first;
  if (first.length === 0) {
    yield* all;
    return;
  }
  const seen = new Set(first);
  for (const machineId of all) if (!seen.has(machineId)) yield machineId;
}
