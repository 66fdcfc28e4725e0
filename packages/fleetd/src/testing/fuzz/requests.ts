// The requests of a case: an op turned into an HTTP request, sent by injection, and its answer
// checked (never 5xx; a refusal is one line of fleet's error JSON and changes nothing; what is
// accepted must be something systemd can take).
import type { InjectRequest, InjectResponse } from '@fleet/api/testing';
import { UNKNOWN_MACHINE_ID, type CaseSpec, type Op, type OptionSpec } from './case-spec.js';
import type { FuzzCluster } from './cluster.js';
import { errorAnswerProblem, roundTripProblem, systemdNameProblem } from './oracles.js';
import { PipelineViolation } from './violation.js';

export function nameAt(spec: CaseSpec, i: number): string {
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
  if (op.kind === 'url') return { method: op.method, url: op.path };
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

export async function send(
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
  if (op.kind === 'put' && res.status === 201) {
    const name = nameAt(spec, op.unit);
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
