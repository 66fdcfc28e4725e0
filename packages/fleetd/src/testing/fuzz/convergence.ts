// What "converged" means for a case: every unit where it should be (independently worked out in
// expectations.ts), in the state it should be, as systemd, GET /units and GET /state all say;
// for the first batch, each unit written, linked and started exactly once.
import type { Assignment, Machine, Unit } from '@fleet/registry';
import type { FuzzCluster } from './cluster.js';
import { expectedPlacement } from './expectations.js';
import { maxRefusedStarts, systemdRefuses } from './oracles.js';
import { PipelineViolation } from './violation.js';

/** What the registry holds at the end of a case. */
export interface FinalState {
  readonly units: readonly Unit[];
  readonly machines: readonly Machine[];
  readonly assignments: readonly Assignment[];
}

export async function finalState(cluster: FuzzCluster): Promise<FinalState> {
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

export type Calls = Map<string, Map<string, Map<string, number>>>;

function callsOf(calls: Calls, machineId: string, unit: string): Map<string, number> {
  return calls.get(machineId)?.get(unit) ?? new Map<string, number>();
}

export function newCalls(
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

export const showCalls = (m: ReadonlyMap<string, number>) =>
  m.size === 0 ? 'none' : [...m].map(([k, v]) => `${k}×${v}`).join(' ');

/** Everything that is not as it should be once the cluster has converged (empty: converged). */
export async function problems(
  cluster: FuzzCluster,
  firstBatch: boolean,
  before: Calls,
  elapsedMs: number,
  /** Units the batch changed after a machine may have acted (see UnitVersions): not checked once. */
  changedMidBatch: ReadonlySet<string> = new Set(),
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
    // A unit systemd refuses to load is loaded as a file, reported bad-setting, never counted as
    // launched, and its start is retried with backoff.
    const refused = systemdRefuses(unit.name, unit.options);
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
      const want = placed.length === 0 ? 'inactive' : refused ? 'loaded' : unit.desiredState;
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
      const wantActive = unit.desiredState === 'launched' && !refused ? 'active' : 'inactive';
      const wantLoad = refused ? 'bad-setting' : 'loaded';
      const on = `on ${a.machineId.slice(0, 8)}`;
      if (a.hash !== unit.hash || a.desiredState !== unit.desiredState) {
        say(`${on} the assignment is ${a.desiredState}/${a.hash.slice(0, 8)}, not the unit's`);
      }
      if (hash !== unit.hash)
        say(
          `${on} the unit file hashes ${String(hash?.slice(0, 8))}, not ${unit.hash.slice(0, 8)}`,
        );
      if (s?.load !== wantLoad || s.active !== wantActive) {
        say(
          `${on} systemd has it ${String(s?.load)}/${String(s?.active)}, expected ${wantLoad}/${wantActive}`,
        );
      }
      const st = wireStates.find((w) => w.name === unit.name && w.machineID === a.machineId);
      if (st === undefined) say(`${on} GET /state has no state for it`);
      else if (
        st.hash !== unit.hash ||
        (st.systemdActiveState ?? '') !== wantActive ||
        (st.systemdLoadState ?? '') !== wantLoad
      ) {
        say(
          `${on} GET /state says ${st.hash.slice(0, 8)} ${String(st.systemdLoadState)}/${String(st.systemdActiveState)}`,
        );
      }
      if (firstBatch && !changedMidBatch.has(unit.name)) {
        // A new unit is written, linked and (if launched) started exactly once, and never stopped.
        const c = newCalls(before, after, a.machineId, unit.name);
        const want = unit.desiredState === 'launched' ? 1 : 0;
        const starts = c.get('start') ?? 0;
        const startsOk = refused
          ? starts >= want && starts <= want * maxRefusedStarts(elapsedMs)
          : starts === want;
        if (
          c.get('writeUnit') !== 1 ||
          c.get('link') !== 1 ||
          !startsOk ||
          (c.get('stop') ?? 0) + (c.get('removeUnit') ?? 0) > 0
        ) {
          say(
            `${on} systemd calls ${showCalls(c)}; expected writeUnit×1 link×1${want ? ' start×1' : ''}`,
          );
        }
      }
    }
    if (firstBatch && !changedMidBatch.has(unit.name)) {
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
