// One fuzz case end to end: send each batch of requests through the real API, check every
// answer (a refusal is one line and writes nothing), let the cluster converge on the manual
// clock, check what every machine's systemd runs against what the API accepted, then let more
// time pass and check that nothing moves any more.
import type { InjectRequest, InjectResponse } from '@fleet/api';
import type { Assignment, Machine, Unit } from '@fleet/registry';
import { fleetRequirements } from '@fleet/unit';
import { FuzzCluster } from './cluster.js';
import { expectedPlacement } from './expectations.js';
import type { CaseSpec, Op, OptionSpec } from './generators.js';
import { UNKNOWN_MACHINE_ID } from './generators.js';
import { errorAnswerProblem, roundTripProblem, systemdNameProblem } from './oracles.js';

/** A property of the pipeline did not hold. The message says which, and for what. */
export class PipelineViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineViolation';
  }
}

/** How long a case lets things happen, in clock time. */
export interface RunOptions {
  /** The longest a batch may take to converge (default 60 s). */
  readonly convergeMs?: number;
  /** How long a converged cluster must then stay put (default 2 min: 24 agent passes). */
  readonly stayMs?: number;
  /**
   * Leave out PUTs that change the [X-Fleet] requirements of an existing unit: while the engine
   * bug `ENGINE-plan-touches-one-assignment-twice` is open (see known-bugs.ts).
   */
  readonly skipRequirementChanges?: boolean;
  /** Called with the final registry contents of a case that passed (for the long-run report). */
  readonly observe?: (final: FinalState) => void;
}

/** What the registry holds at the end of a case. */
export interface FinalState {
  readonly units: readonly Unit[];
  readonly machines: readonly Machine[];
  readonly assignments: readonly Assignment[];
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
      for (const [i, op] of batch.entries()) {
        if (opts.skipRequirementChanges === true && (await changesRequirements(cluster, spec, op)))
          continue;
        const res = await send(cluster, spec, op, `batch ${b} request ${i}`, accepted);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        requests++;
      }
      const callsBefore = cluster.changingCalls();
      await converge(cluster, b, callsBefore, opts.convergeMs ?? 60_000).catch((err: unknown) => {
        throw withAccepted(err);
      });
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

// ---- requests ----

function nameAt(spec: CaseSpec, i: number): string {
  return spec.names[i % spec.names.length] ?? 'missing.service';
}

function resolve(spec: CaseSpec, value: string): string {
  return value.replace(/\{\{(unit|unitprefix|machine):(\d+)\}\}/g, (_, kind: string, n: string) => {
    const i = Number(n);
    if (kind === 'machine') return spec.machines[i]?.id ?? UNKNOWN_MACHINE_ID;
    const name = nameAt(spec, i);
    return kind === 'unit' ? name : name.slice(0, 2);
  });
}

function resolveOptions(spec: CaseSpec, options: readonly OptionSpec[]): OptionSpec[] {
  return options.map((o) => ({ ...o, value: resolve(spec, o.value) }));
}

/** The HTTP request an op stands for. */
export function toRequest(spec: CaseSpec, op: Op): InjectRequest {
  const headers = (type: string | null) => (type === null ? {} : { 'content-type': type });
  if (op.kind === 'patch') {
    const body = typeof op.body === 'string' ? op.body : JSON.stringify(op.body);
    return { method: 'PATCH', url: '/fleet/v1/machines', body, headers: headers(op.contentType) };
  }
  const url = `/fleet/v1/units/${encodeURIComponent(nameAt(spec, op.unit))}`;
  if (op.kind === 'delete') return { method: 'DELETE', url };
  if (op.kind === 'raw-put') {
    return { method: 'PUT', url, body: op.body, headers: headers(op.contentType) };
  }
  const body: Record<string, unknown> = { ...op.extra };
  if (op.options !== undefined) body['options'] = resolveOptions(spec, op.options);
  if (op.desiredState !== undefined) body['desiredState'] = op.desiredState;
  return { method: 'PUT', url, body: JSON.stringify(body), headers: headers(op.contentType) };
}

/** Whether `op` replaces an existing unit's options with ones of other [X-Fleet] requirements. */
async function changesRequirements(cluster: FuzzCluster, spec: CaseSpec, op: Op): Promise<boolean> {
  if (op.kind !== 'put' || op.options === undefined || op.options.length === 0) return false;
  const name = nameAt(spec, op.unit);
  const existing = await cluster.registry.getUnit(name).catch(() => undefined); // a bad name
  if (existing === undefined) return false;
  const requirements = (options: readonly OptionSpec[]) => {
    const { warnings: _, ...r } = fleetRequirements(name, options);
    return JSON.stringify(r);
  };
  return requirements(existing.options) !== requirements(resolveOptions(spec, op.options));
}

/** Everything the API can write, with revisions: equal before and after a refused request. */
async function registrySnapshot(cluster: FuzzCluster): Promise<string> {
  const r = cluster.registry;
  const [units, assignments, machines, states] = await Promise.all([
    r.listUnits(),
    r.listAssignments(),
    r.listMachines(),
    r.listUnitStates(),
  ]);
  return JSON.stringify({ units, assignments, machines, states });
}

function describeRequest(req: InjectRequest): string {
  const body = typeof req.body === 'string' ? req.body : '';
  const shown = body.length > 600 ? `${body.slice(0, 600)}... (${body.length} chars)` : body;
  return `${req.method ?? 'GET'} ${req.url} ${JSON.stringify(req.headers ?? {})} ${shown}`;
}

async function send(
  cluster: FuzzCluster,
  spec: CaseSpec,
  op: Op,
  where: string,
  acceptedProblems: string[],
): Promise<InjectResponse> {
  const req = toRequest(spec, op);
  const before = await registrySnapshot(cluster);
  const res = await cluster.request(req);
  const fail = (what: string) =>
    new PipelineViolation(
      `${where}: ${what}\n  request: ${describeRequest(req)}\n  answer: ${res.status} ${res.body.slice(0, 300)}`,
    );
  if (res.status >= 500) throw fail(`the API answered ${res.status}`);
  if (res.status >= 400) {
    const problem = errorAnswerProblem(res);
    if (problem !== undefined) throw fail(`a refusal is not one clear line: ${problem}`);
    if ((await registrySnapshot(cluster)) !== before)
      throw fail('a refused request changed the registry');
    return res;
  }
  if (req.method === 'PUT' && res.status === 201) {
    const name = nameAt(spec, (op as { unit: number }).unit);
    const nameProblem = systemdNameProblem(name);
    if (nameProblem !== undefined) {
      acceptedProblems.push(
        fail(`the API accepted a unit name systemd cannot take: ${nameProblem}`).message,
      );
    }
    const stored = await cluster.registry.getUnit(name);
    const rt = stored === undefined ? 'it is not stored' : roundTripProblem(stored.options);
    if (rt !== undefined) {
      acceptedProblems.push(
        fail(`the API accepted options whose unit file says something else: ${rt}`).message,
      );
    }
  }
  return res;
}

// ---- convergence ----

async function finalState(cluster: FuzzCluster): Promise<FinalState> {
  const [units, machines, assignments] = await Promise.all([
    cluster.registry.listUnits(),
    cluster.registry.listMachines(),
    cluster.registry.listAssignments(),
  ]);
  return { units: units.items, machines: machines.items, assignments: assignments.items };
}

interface WireUnit {
  name: string;
  currentState?: string;
  machineID?: string;
  reason?: string;
}
interface WireState {
  name: string;
  hash: string;
  machineID: string;
  systemdLoadState?: string;
  systemdActiveState?: string;
}

async function getJson<T>(cluster: FuzzCluster, url: string): Promise<T> {
  const res = await cluster.request({ url });
  if (res.status !== 200)
    throw new PipelineViolation(`GET ${url} answered ${res.status}: ${res.body}`);
  return res.json<T>();
}

type Calls = Map<string, Map<string, Map<string, number>>>;

function callsOf(calls: Calls, machineId: string, unit: string): Map<string, number> {
  return calls.get(machineId)?.get(unit) ?? new Map<string, number>();
}

function newCalls(
  before: Calls,
  after: Calls,
  machineId: string,
  unit: string,
): Map<string, number> {
  const a = callsOf(after, machineId, unit);
  const b = callsOf(before, machineId, unit);
  const out = new Map<string, number>();
  for (const [method, n] of a) {
    const d = n - (b.get(method) ?? 0);
    if (d > 0) out.set(method, d);
  }
  return out;
}

const showCalls = (m: ReadonlyMap<string, number>) =>
  m.size === 0 ? 'none' : [...m].map(([k, v]) => `${k}×${v}`).join(' ');

/** Everything that is not as it should be once the cluster has converged (empty: converged). */
async function problems(
  cluster: FuzzCluster,
  firstBatch: boolean,
  before: Calls,
): Promise<string[]> {
  const out: string[] = [];
  const { units, machines, assignments } = await finalState(cluster);
  const wireUnits = new Map(
    (await getJson<{ units: WireUnit[] }>(cluster, '/fleet/v1/units')).units.map((u) => [
      u.name,
      u,
    ]),
  );
  const wireStates = (await getJson<{ states: WireState[] }>(cluster, '/fleet/v1/state')).states;
  const after = cluster.changingCalls();
  const files = new Map<string, Map<string, string | undefined>>();
  const active = new Map<string, Map<string, { load: string; active: string }>>();
  for (const m of cluster.machines) {
    const list = await m.systemd.listUnitFiles();
    files.set(m.id, new Map(list.map((f) => [f.name, f.hash])));
    const states = await m.systemd.unitStates(list.map((f) => f.name));
    active.set(m.id, new Map([...states].map(([n, s]) => [n, { load: s.load, active: s.active }])));
  }

  for (const unit of units) {
    const mine = assignments.filter((a) => a.unit === unit.name);
    const wire = wireUnits.get(unit.name);
    const say = (what: string) => out.push(`${unit.name} (${unit.desiredState}): ${what}`);
    const expected = expectedPlacement(unit, units, machines);
    const placed = mine.map((a) => a.machineId).sort();
    if (expected.kind === 'exactly' && placed.join() !== expected.machines.join()) {
      say(`runs on [${placed.join()}], expected [${expected.machines.join()}] (${expected.why})`);
    }
    if (expected.kind === 'at-most-one' && placed.length > 1) {
      say(`runs on ${placed.length} machines [${placed.join()}]`);
    }
    if (expected.kind === 'at-most-one' && placed.length === 0) {
      if (expected.mustPlace) say(`is not scheduled (${wire?.reason ?? 'no reason given'})`);
      else if (wire?.reason === undefined || wire.reason === '')
        say('is not scheduled and gives no reason');
    }
    const one = await cluster.request({ url: `/fleet/v1/units/${encodeURIComponent(unit.name)}` });
    if (one.status !== 200) say(`GET /units/<name> answered ${one.status}`);
    else if (wire !== undefined) {
      const got = one.json<WireUnit>();
      if (got.currentState !== wire.currentState || got.machineID !== wire.machineID) {
        say(
          `GET /units/<name> says ${String(got.currentState)} on ${String(got.machineID)}, the listing ${String(wire.currentState)} on ${String(wire.machineID)}`,
        );
      }
    }
    if (wire === undefined) say('is missing from GET /units');
    else if (!expected.global) {
      const want = placed.length === 0 ? 'inactive' : unit.desiredState;
      if ((wire.currentState ?? 'inactive') !== want) {
        say(`GET /units says currentState ${String(wire.currentState)}, expected ${want}`);
      }
      if (placed.length === 1 && wire.machineID !== placed[0]) {
        say(`GET /units says machineID ${String(wire.machineID)}, expected ${String(placed[0])}`);
      }
    }
    for (const a of mine) {
      const hash = files.get(a.machineId)?.get(unit.name);
      const s = active.get(a.machineId)?.get(unit.name);
      const wantActive = unit.desiredState === 'launched' ? 'active' : 'inactive';
      const on = `on ${a.machineId.slice(0, 8)}`;
      if (a.hash !== unit.hash || a.desiredState !== unit.desiredState) {
        say(`${on} the assignment is ${a.desiredState}/${a.hash.slice(0, 8)}, not the unit's`);
      }
      if (hash !== unit.hash)
        say(
          `${on} the unit file hashes ${String(hash?.slice(0, 8))}, not ${unit.hash.slice(0, 8)}`,
        );
      if (s?.load !== 'loaded' || s.active !== wantActive) {
        say(
          `${on} systemd has it ${String(s?.load)}/${String(s?.active)}, expected loaded/${wantActive}`,
        );
      }
      const st = wireStates.find((w) => w.name === unit.name && w.machineID === a.machineId);
      if (st === undefined) say(`${on} GET /state has no state for it`);
      else if (st.hash !== unit.hash || (st.systemdActiveState ?? '') !== wantActive) {
        say(`${on} GET /state says ${st.hash.slice(0, 8)} ${String(st.systemdActiveState)}`);
      }
      if (firstBatch) {
        // A new unit is written, linked and (if launched) started exactly once, and never stopped.
        const c = newCalls(before, after, a.machineId, unit.name);
        const want = unit.desiredState === 'launched' ? 1 : 0;
        if (
          c.get('writeUnit') !== 1 ||
          c.get('link') !== 1 ||
          (c.get('start') ?? 0) !== want ||
          (c.get('stop') ?? 0) + (c.get('removeUnit') ?? 0) > 0
        ) {
          say(
            `${on} systemd calls ${showCalls(c)}; expected writeUnit×1 link×1${want ? ' start×1' : ''}`,
          );
        }
      }
    }
    if (firstBatch) {
      for (const m of cluster.machines) {
        if (mine.some((a) => a.machineId === m.id)) continue;
        const c = newCalls(before, after, m.id, unit.name);
        if (c.size > 0)
          say(`on ${m.id.slice(0, 8)}, where it is not scheduled, systemd calls ${showCalls(c)}`);
      }
    }
  }
  for (const m of cluster.machines) {
    for (const name of files.get(m.id)?.keys() ?? []) {
      if (!assignments.some((a) => a.unit === name && a.machineId === m.id)) {
        out.push(`${name}: its file is on ${m.id.slice(0, 8)}, where it is not scheduled`);
      }
    }
  }
  return out;
}

async function converge(
  cluster: FuzzCluster,
  batch: number,
  before: Calls,
  maxMs: number,
): Promise<void> {
  let found: string[] = [];
  for (let elapsed = 0; elapsed < maxMs;) {
    await cluster.tick(CONVERGE_STEP_MS);
    elapsed += CONVERGE_STEP_MS;
    if (elapsed < 2 * CONVERGE_STEP_MS) continue;
    found = await problems(cluster, batch === 0, before);
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
    const moved: string[] = [];
    for (const m of cluster.machines) {
      for (const unit of after.get(m.id)?.keys() ?? []) {
        const c = newCalls(before, after, m.id, unit);
        if (c.size > 0)
          moved.push(
            `${unit === '' ? '(daemon-reload)' : unit} on ${m.id.slice(0, 8)}: ${showCalls(c)}`,
          );
      }
    }
    throw new PipelineViolation(
      `batch ${batch}: after converging, ${stayMs / 1000} s more of clock time made systemd calls:\n  ${moved.slice(0, 12).join('\n  ')}`,
    );
  }
  if (JSON.stringify((await cluster.registry.listAssignments()).items) !== assignments) {
    throw new PipelineViolation(`batch ${batch}: after converging, assignments still changed`);
  }
  const late = await problems(cluster, false, before);
  if (late.length > 0) {
    throw new PipelineViolation(
      `batch ${batch}: converged, then ${stayMs / 1000} s later:\n  ${late.slice(0, 12).join('\n  ')}`,
    );
  }
}
