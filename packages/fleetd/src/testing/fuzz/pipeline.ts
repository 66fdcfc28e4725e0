// One fuzz case end to end: send each batch of requests through the real API, check every
// answer (a refusal is one line and writes nothing), let the cluster converge on the manual
// clock, check what every machine's systemd runs against what the API accepted, then let more
// time pass and check that nothing moves any more.
import type { CaseSpec } from './case-spec.js';
import { FuzzCluster } from './cluster.js';
import {
  finalState,
  newCalls,
  problems,
  showCalls,
  type Calls,
  type FinalState,
} from './convergence.js';
import { maxRefusedStarts, systemdRefuses } from './oracles.js';
import { send } from './requests.js';
import { PipelineViolation } from './violation.js';

export type { FinalState } from './convergence.js';
export { PipelineViolation } from './violation.js';

/** How long a case lets things happen, in clock time. */
export interface RunOptions {
  /** The longest a batch may take to converge (default 60 s). */
  readonly convergeMs?: number;
  /** How long a converged cluster must then stay put (default 2 min: 24 agent passes). */
  readonly stayMs?: number;
  /** Called with the final registry contents of a case that passed (for the long-run report). */
  readonly observe?: (final: FinalState) => void;
}

/** What one case did. */
export interface CaseStats {
  readonly requests: number;
  /** Answers by status. */
  readonly statuses: ReadonlyMap<number, number>;
  /** Units running (or loaded) somewhere at the end. */
  readonly placedUnits: number;
}

const CONVERGE_STEP_MS = 1_000;

/** Runs one case; throws {@link PipelineViolation} when a property does not hold. */
export async function runCase(spec: CaseSpec, opts: RunOptions = {}): Promise<CaseStats> {
  const cluster = await FuzzCluster.start(spec.machines);
  const statuses = new Map<number, number>();
  let requests = 0;
  // What the oracles say about accepted input is reported after the cluster has run with it, so
  // a counterexample also shows what the bad input does (a restart loop, a unit never loaded).
  const accepted: string[] = [];
  const withAccepted = (err: unknown) =>
    err instanceof PipelineViolation && accepted.length > 0
      ? new PipelineViolation(`${err.message}\n${accepted.join('\n')}`)
      : err;
  try {
    for (const [b, batch] of spec.batches.entries()) {
      // Before the requests: the engine and an idle agent act at once on a few changes, so a
      // unit may be written and started while the batch's later requests are still answered.
      const callsBefore = cluster.changingCalls();
      const versions = new UnitVersions();
      for (const [i, op] of batch.entries()) {
        const res = await send(cluster, spec, op, `batch ${b} request ${i}`, accepted);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        requests++;
        versions.saw((await cluster.registry.listUnits()).items);
      }
      await converge(cluster, b, callsBefore, opts.convergeMs ?? 60_000, versions.changed()).catch(
        (err: unknown) => {
          throw withAccepted(err);
        },
      );
      await stayPut(cluster, b, opts.stayMs ?? 120_000).catch((err: unknown) => {
        throw withAccepted(err);
      });
    }
    if (accepted.length > 0) throw new PipelineViolation(accepted.join('\n'));
    const final = await finalState(cluster);
    opts.observe?.(final);
    return {
      requests,
      statuses,
      placedUnits: new Set(final.assignments.map((a) => a.unit)).size,
    };
  } finally {
    await cluster.stop();
  }
}

/**
 * What each unit was after each request of a batch. The engine and an idle agent act at once on
 * a few changes, so a unit whose contents changed, whose desired state went down (launched →
 * loaded or inactive, loaded → inactive) or that was destroyed while the batch was still being
 * sent may rightly have been written or started for an earlier version and then replaced, stopped
 * or unloaded: the exactly-once check holds for the others only.
 */
class UnitVersions {
  private readonly hashes = new Map<string, Set<string>>();
  private readonly last = new Map<string, string>();
  private readonly undone = new Set<string>();

  saw(units: readonly { name: string; hash: string; desiredState: string }[]): void {
    const rank = (s: string | undefined) => ['inactive', 'loaded', 'launched'].indexOf(s ?? '');
    const now = new Set(units.map((u) => u.name));
    for (const name of this.last.keys()) if (!now.has(name)) this.undone.add(name); // destroyed
    for (const u of units) {
      const set = this.hashes.get(u.name) ?? new Set<string>();
      set.add(u.hash);
      this.hashes.set(u.name, set);
      if (rank(u.desiredState) < rank(this.last.get(u.name))) this.undone.add(u.name);
      this.last.set(u.name, u.desiredState);
    }
  }

  changed(): Set<string> {
    const out = new Set(this.undone);
    for (const [name, set] of this.hashes) if (set.size > 1) out.add(name);
    return out;
  }
}

async function converge(
  cluster: FuzzCluster,
  batch: number,
  before: Calls,
  maxMs: number,
  changedMidBatch: ReadonlySet<string>,
): Promise<void> {
  let found: string[] = [];
  for (let elapsed = 0; elapsed < maxMs;) {
    await cluster.tick(CONVERGE_STEP_MS);
    elapsed += CONVERGE_STEP_MS;
    if (elapsed < 2 * CONVERGE_STEP_MS) continue;
    found = await problems(cluster, batch === 0, before, elapsed, changedMidBatch);
    if (found.length === 0) return;
  }
  throw new PipelineViolation(
    `batch ${batch} did not converge within ${maxMs / 1000} s of clock time:\n  ${found.slice(0, 12).join('\n  ')}`,
  );
}

async function stayPut(cluster: FuzzCluster, batch: number, stayMs: number): Promise<void> {
  const before = cluster.changingCalls();
  const countBefore = cluster.changingCallCount();
  const assignments = JSON.stringify((await cluster.registry.listAssignments()).items);
  await cluster.tick(stayMs);
  if (cluster.changingCallCount() !== countBefore) {
    const after = cluster.changingCalls();
    const refused = new Set(
      (await cluster.registry.listUnits()).items
        .filter((u) => systemdRefuses(u.name, u.options))
        .map((u) => u.name),
    );
    const moved: string[] = [];
    for (const m of cluster.machines) {
      for (const unit of after.get(m.id)?.keys() ?? []) {
        const c = newCalls(before, after, m.id, unit);
        // The only call allowed is a backed-off retry to start a unit systemd refuses.
        const retries = refused.has(unit) && c.size === 1 ? (c.get('start') ?? 0) : 0;
        if (retries > 0 && retries <= maxRefusedStarts(stayMs)) continue;
        if (c.size > 0)
          moved.push(
            `${unit === '' ? '(daemon-reload)' : unit} on ${m.id.slice(0, 8)}: ${showCalls(c)}`,
          );
      }
    }
    if (moved.length > 0)
      throw new PipelineViolation(
        `batch ${batch}: after converging, ${stayMs / 1000} s more of clock time made systemd calls:\n  ${moved.slice(0, 12).join('\n  ')}`,
      );
  }
  if (JSON.stringify((await cluster.registry.listAssignments()).items) !== assignments) {
    throw new PipelineViolation(`batch ${batch}: after converging, assignments still changed`);
  }
  const late = await problems(cluster, false, before, stayMs);
  if (late.length > 0) {
    throw new PipelineViolation(
      `batch ${batch}: converged, then ${stayMs / 1000} s later:\n  ${late.slice(0, 12).join('\n  ')}`,
    );
  }
}
