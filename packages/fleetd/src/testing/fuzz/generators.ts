// What the pipeline fuzzer sends: clusters of 2–4 machines, a small pool of unit names (so that
// later requests replace, restart and delete earlier units, and [X-Fleet] options point at them),
// and batches of API requests, good and bad. Every edge the security review found has a
// generator; those of bugs not yet fixed are switched off by `skip` (see known-bugs.ts).
import fc from 'fast-check';
import {
  MACHINE_IDS,
  UNKNOWN_MACHINE_ID,
  type CaseSpec,
  type GeneratorOptions,
  type Op,
} from './case-spec.js';
import type { FuzzMachineSpec } from './cluster.js';
import { optionsArb, unitNameArb } from './unit-generators.js';

export { CI_SIZES, UNKNOWN_MACHINE_ID } from './case-spec.js';
export type { CaseSpec, GeneratorOptions, Op, OptionSpec } from './case-spec.js';

const desiredStateArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant('launched'), weight: 8 },
  { arbitrary: fc.constantFrom('loaded', 'inactive'), weight: 4 },
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.constantFrom('', null, 'running', 'LAUNCHED', 5, ['launched']), weight: 1 },
);

/** Bodies a careless or hostile client sends: not JSON, wrong shapes, wrong types. */
const RAW_BODIES = [
  '',
  '{',
  'null',
  '[]',
  '"launched"',
  '{"options":"x"}',
  '{"options":{}}',
  '{"options":[{"section":1,"name":"ExecStart","value":"/bin/true"}]}',
  '{"options":[{"section":"Service","name":"ExecStart"}]}',
  '{"options":[null]}',
  '{"desiredState":5}',
  '{"desiredState":"launched","name":5}',
  '{"name":"other.service","desiredState":"launched"}',
  '{"desiredState":"launched"',
  '\u00ff\u00fe',
];

function putArb(o: GeneratorOptions): fc.Arbitrary<Op> {
  return fc.record({
    kind: fc.constant('put' as const),
    unit: fc.nat(7),
    options: fc.oneof(
      { arbitrary: optionsArb(o), weight: 10 },
      { arbitrary: fc.constant([]), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 2 },
    ),
    desiredState: desiredStateArb,
    extra: fc.oneof(
      { arbitrary: fc.constant({}), weight: 10 },
      {
        arbitrary: fc.constantFrom<Record<string, unknown>>(
          { currentState: 'launched', machineID: 'x', reason: 'y', unknownField: [1] },
          { name: '' },
          { name: 'other.service' },
          { name: null },
        ),
        weight: 1,
      },
    ),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 20 },
      {
        arbitrary: fc.constantFrom<string | null>(
          'application/json; charset=utf-8',
          null,
          'text/plain',
          'application/x-www-form-urlencoded',
        ),
        weight: 1,
      },
    ),
  });
}

function patchArb(): fc.Arbitrary<Op> {
  const op = fc.record({
    op: fc.constantFrom('add', 'replace', 'remove', 'add', 'move'),
    path: fc
      .tuple(
        fc.nat(4),
        fc.constantFrom('region', 'disk', 'region', '__proto__', 'constructor', 'bad key!', ''),
      )
      .map(([m, k]) => `/${MACHINE_IDS[m] ?? UNKNOWN_MACHINE_ID}/metadata/${k}`),
    value: fc.constantFrom<unknown>('eu', 'us', 'ssd', { value: 'eu' }, '', 5, 'v'.repeat(1025)),
  });
  return fc.record({
    kind: fc.constant('patch' as const),
    body: fc.oneof(
      { arbitrary: fc.array(op, { maxLength: 3 }), weight: 8 },
      { arbitrary: fc.constantFrom<unknown>({ op: 'add' }, 'not json', null), weight: 1 },
    ),
    contentType: fc.constantFrom<string | null>(
      'application/json',
      null,
      'application/x-www-form-urlencoded',
    ),
  });
}

/** Paths a client gets wrong, sent as they are (not encoded again). */
const ODD_PATHS = [
  '/',
  '/fleet/v1',
  '/v1-alpha/',
  '/fleet/v1/nope',
  '/fleet/v1/units/',
  '/fleet/v1/units/a.service/extra',
  '/fleet/v1/units/a%ZZ.service',
  '/fleet/v1/units/..%2Fmachines',
  '/fleet/v1/units/%2e%2e',
  '/v1-alpha/units/a%00.service',
  '/fleet/v1/state/a%2Fb.service',
  '/fleet/v1/machines/x',
  '//fleet/v1/units',
  '/fleet/v1/units?nextPageToken=AAAA',
  '/fleet/v1/units?nextPageToken=ZAACAA==&nextPageToken=x',
  '/fleet/v1/units?nextPageToken=%ZZ',
  '/fleet/v1/state?machineID=%ZZ&unitName=a%2F.service',
  '/fleet/v1/discovery',
  `/fleet/v1/${'x'.repeat(3000)}`,
];

function opArb(o: GeneratorOptions): fc.Arbitrary<Op> {
  return fc.oneof(
    { arbitrary: putArb(o), weight: 12 },
    {
      arbitrary: fc.record({
        kind: fc.constant('raw-put' as const),
        unit: fc.nat(7),
        body: fc.constantFrom(...RAW_BODIES),
        contentType: fc.constant('application/json'),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('delete' as const), unit: fc.nat(7) }),
      weight: 2,
    },
    { arbitrary: patchArb(), weight: 1 },
    {
      arbitrary: fc.record({
        kind: fc.constant('url' as const),
        method: fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'PATCH'),
        path: fc.constantFrom(...ODD_PATHS),
      }),
      weight: 1,
    },
  );
}

const machineArb = fc.record({
  region: fc.constantFrom('eu', 'us'),
  disk: fc.option(fc.constantFrom('ssd', 'hdd'), { nil: undefined }),
});

/** A whole case: machines, a name pool and one or two batches of requests. */
export function caseArb(o: GeneratorOptions): fc.Arbitrary<CaseSpec> {
  return fc.record({
    machines: fc.array(machineArb, { minLength: 2, maxLength: 4 }).map((ms) =>
      ms.map((m, i): FuzzMachineSpec => ({
        id: MACHINE_IDS[i] ?? UNKNOWN_MACHINE_ID,
        metadata: m.disk === undefined ? { region: m.region } : { region: m.region, disk: m.disk },
      })),
    ),
    names: fc.array(unitNameArb(o), { minLength: 1, maxLength: 6 }),
    batches: fc.array(fc.array(opArb(o), { minLength: 1, maxLength: 8 }), {
      minLength: 1,
      maxLength: 2,
    }),
  });
}
