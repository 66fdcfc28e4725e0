// What the pipeline fuzzer sends: clusters of 2–4 machines, a small pool of unit names (so that
// later requests replace, restart and delete earlier units, and [X-Fleet] options point at them),
// and batches of API requests, good and bad. Every edge the security review found has a
// generator; those of bugs not yet fixed are switched off by `skip` (see known-bugs.ts).
import fc from 'fast-check';
import type { FuzzMachineSpec } from './cluster.js';
import type { KnownBug } from './known-bugs.js';

/** An option whose value may name pool units (`{{unit:i}}`) or machines (`{{machine:i}}`). */
export interface OptionSpec {
  readonly section: string;
  readonly name: string;
  readonly value: string;
}

/** One API request, with units named by their index in the case's name pool. */
export type Op =
  | {
      readonly kind: 'put';
      readonly unit: number;
      /** `undefined`: no `options` field. */
      readonly options: readonly OptionSpec[] | undefined;
      /** `undefined`: no `desiredState` field. */
      readonly desiredState: unknown;
      /** Extra top-level fields (`name`, fields of a unit read back, ...). */
      readonly extra: Readonly<Record<string, unknown>>;
      /** `null`: no Content-Type header. */
      readonly contentType: string | null;
    }
  | {
      readonly kind: 'raw-put';
      readonly unit: number;
      readonly body: string;
      readonly contentType: string | null;
    }
  | { readonly kind: 'delete'; readonly unit: number }
  | { readonly kind: 'patch'; readonly body: unknown; readonly contentType: string | null };

/** One fuzz case. */
export interface CaseSpec {
  readonly machines: readonly FuzzMachineSpec[];
  /** Unit names requests refer to (by index, modulo the pool size). */
  readonly names: readonly string[];
  /** Requests sent together; the cluster converges after each batch. */
  readonly batches: readonly (readonly Op[])[];
}

/** How big the generated input may get. */
export interface GeneratorOptions {
  /** Bugs whose edges are left out. */
  readonly skip: ReadonlySet<KnownBug>;
  /** Longest generated glob (`Conflicts=`, `Replaces=`), in characters. */
  readonly maxGlobLength: number;
  /** Most `Conflicts=`/`Replaces=`/`MachineOf=` options in one unit. */
  readonly maxGlobs: number;
}

/** Sizes for CI: every edge, small enough for a few hundred cases in well under a minute. */
export const CI_SIZES: Omit<GeneratorOptions, 'skip'> = { maxGlobLength: 64, maxGlobs: 12 };

const MACHINE_IDS = [
  'a1000000000000000000000000000001',
  'b2000000000000000000000000000002',
  'c3000000000000000000000000000003',
  'd4000000000000000000000000000004',
];

/** A machine ID no machine has (for `MachineID=` and metadata of unknown machines). */
export const UNKNOWN_MACHINE_ID = 'ffffffffffffffffffffffffffffffff';

/** The longest value that fits a line of `name=value\n` in 2,048 bytes. */
const maxValueBytes = (name: string) => 2047 - name.length - 1;

/** Picks `arb` unless `bug` is skipped, as a weighted oneof entry. */
function gated<T>(
  o: GeneratorOptions,
  bug: KnownBug,
  arb: fc.Arbitrary<T>,
  weight = 1,
): fc.WeightedArbitrary<T>[] {
  return o.skip.has(bug) ? [] : [{ arbitrary: arb, weight }];
}

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);

/** Unit names, valid and not, with the review's edges. */
export function unitNameArb(o: GeneratorOptions): fc.Arbitrary<string> {
  const type = fc.oneof(
    { arbitrary: fc.constantFrom('service', 'socket', 'timer', 'path'), weight: 8 },
    ...gated(o, 'AGENT-unlisted-unit-types', fc.constantFrom('target', 'slice', 'swap', 'scope')),
  );
  const padded = (n: number, suffix: string) => 'l'.repeat(n - suffix.length) + suffix;
  return fc.oneof(
    { arbitrary: fc.tuple(word, type).map(([b, t]) => `${b}.${t}`), weight: 12 },
    { arbitrary: word.map((b) => `${b}@.service`), weight: 2 },
    {
      arbitrary: fc
        .tuple(word, fc.stringMatching(/^[a-z0-9:_.\\-]{1,4}$/))
        .map(([b, i]) => `${b}@${i}.service`),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom(
        '-H.service',
        '--user.service',
        '-.mount',
        'fleet.service',
        'fleet.socket',
        'dbus.service',
        'systemd-journald.service',
        'a:b\\x2dc.service',
        'a.b.c.service',
        'w@a@b.service',
      ),
      weight: 3,
    },
    // Refused names.
    {
      arbitrary: fc.constantFrom(
        'web',
        'web.',
        'web.unknown',
        '@x.service',
        'wéb.service',
        'a b.service',
        'a/b.service',
        'x@.mount',
        'a\nb.service',
        '..',
      ),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 200, max: 241 }).map((n) => padded(n, '.service')), weight: 1 },
    { arbitrary: fc.integer({ min: 257, max: 262 }).map((n) => padded(n, '.service')), weight: 1 },
    ...gated(o, 'M3-empty-prefix-name', fc.constantFrom('.service', '.socket')),
    ...gated(
      o,
      'M3-long-names',
      fc.integer({ min: 242, max: 256 }).map((n) => padded(n, '.service')),
      2,
    ),
  );
}

/** A value as a client might send it: mostly clean, sometimes with the review's edges. */
function valueArb(o: GeneratorOptions, base: fc.Arbitrary<string>, key: string) {
  return fc.oneof(
    { arbitrary: base, weight: 10 },
    { arbitrary: base.map((v) => `${v}é✓ \u202e\u00e9`), weight: 1 },
    { arbitrary: base.map((v) => `${v === '' ? '' : `${v} `}"%n" %p %i %%`), weight: 1 },
    {
      // Near and over the line limit (a line of 2,048 bytes or more is refused).
      arbitrary: fc
        .tuple(base, fc.integer({ min: -8, max: 2 }))
        .map(([v, d]) => v + 'x'.repeat(Math.max(0, maxValueBytes(key) + d - v.length))),
      weight: 1,
    },
    ...gated(
      o,
      'H2-untrimmed-values',
      fc
        .tuple(base, fc.constantFrom(' ', '  ', '\t', '\r', ' \r'))
        .chain(([v, ws]) => fc.constantFrom(`${v}${ws}`, `${ws}${v}`)),
      3,
    ),
    ...gated(
      o,
      'L12-options-do-not-read-back',
      base.chain((v) =>
        fc.constantFrom(
          `${v} \\`,
          `${v}\nRestart=always`,
          `${v}\n`,
          `${v}\n\n[Install]\nWantedBy=x`,
        ),
      ),
      2,
    ),
  );
}

const command = fc.constantFrom(
  '/bin/sleep 1000',
  '/usr/bin/env sleep 100',
  '/bin/sh -c "sleep 100; echo done"',
  '/opt/app/bin/run --port=%i',
  "/bin/echo 'a b' \\; true",
);

function globArb(o: GeneratorOptions): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat(7).map((i) => `{{unit:${i}}}`),
    fc.nat(7).map((i) => `{{unitprefix:${i}}}*`),
    fc.constantFrom('*', '*.service', '?*.socket', '[a-m]*', 'fleet.*', '*@*'),
    fc
      .integer({ min: 1, max: Math.max(1, Math.floor(o.maxGlobLength / 2)) })
      .map((n) => '*?'.repeat(n).slice(0, o.maxGlobLength - 1) + 'Z'),
  );
}

function xFleetArb(o: GeneratorOptions): fc.Arbitrary<OptionSpec[]> {
  const opt = (name: string, value: fc.Arbitrary<string>) =>
    value.map((v): OptionSpec => ({ section: 'X-Fleet', name, value: v }));
  const many = (name: string, value: fc.Arbitrary<string>) =>
    fc.array(opt(name, value), { minLength: 1, maxLength: o.maxGlobs });
  const one = (name: string, value: fc.Arbitrary<string>) => opt(name, value).map((x) => [x]);
  return fc.oneof(
    one('Global', fc.constantFrom('true', 'true', 'false', 'yes', '')),
    one(
      'MachineMetadata',
      fc.constantFrom(
        'region=eu',
        'region=us',
        'disk=ssd',
        'region=mars',
        '"region=eu" "disk=ssd"',
      ),
    ),
    one(
      'MachineID',
      fc.nat(4).map((i) => `{{machine:${i}}}`),
    ),
    many(
      'MachineOf',
      fc.nat(7).map((i) => `{{unit:${i}}}`),
    ),
    many('Conflicts', globArb(o)),
    many('Replaces', globArb(o)),
    one('X-Conflicts', globArb(o)),
    one('NotAFleetKey', fc.constantFrom('1', 'x')),
  );
}

function optionsArb(o: GeneratorOptions): fc.Arbitrary<OptionSpec[]> {
  const other: fc.Arbitrary<OptionSpec[]> = fc.oneof(
    { arbitrary: xFleetArb(o), weight: 6 },
    {
      arbitrary: valueArb(o, fc.constantFrom('test unit', '', 'ünïcode ✓'), 'Description').map(
        (v) => [{ section: 'Unit', name: 'Description', value: v }],
      ),
      weight: 2,
    },
    {
      arbitrary: valueArb(o, fc.constantFrom('A=b', 'PATH=/bin', 'X="a b"'), 'Environment').map(
        (v) => [{ section: 'Service', name: 'Environment', value: v }],
      ),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom<OptionSpec[]>(
        [{ section: 'Service', name: 'Restart', value: 'always' }],
        [{ section: 'Install', name: 'WantedBy', value: 'multi-user.target' }],
        [{ section: 'X-Custom', name: 'Key', value: 'v' }],
        [{ section: 'Unit', name: 'After', value: 'network.target' }],
        // Refused: an unknown section, an empty or odd option name, an odd section name.
        [{ section: 'Bogus', name: 'Key', value: 'v' }],
        [{ section: 'Service', name: '', value: 'v' }],
      ),
      weight: 2,
    },
    ...gated(
      o,
      'H2-untrimmed-values',
      fc.constantFrom<OptionSpec[]>(
        [{ section: 'Service', name: 'Restart ', value: 'always' }],
        [{ section: 'Service', name: ' Restart', value: 'always' }],
      ),
    ),
    ...gated(
      o,
      'L12-options-do-not-read-back',
      fc.constantFrom<OptionSpec[]>(
        [{ section: 'Service', name: 'A=B', value: 'v' }],
        [{ section: 'Service]\n[Install', name: 'WantedBy', value: 'multi-user.target' }],
      ),
    ),
  );
  const exec = fc.oneof(
    { arbitrary: valueArb(o, command, 'ExecStart'), weight: 20 },
    // systemd cannot load these (bad-setting): a relative path with a "/", no ExecStart at all.
    ...gated(o, 'AGENT-start-retried-every-pass', fc.constantFrom('bin/app --serve', '')),
  );
  return fc
    .tuple(exec, fc.array(other, { maxLength: 4 }), fc.boolean(), fc.nat(9))
    .map(([exec, more, duplicate, at]) => {
      const options: OptionSpec[] =
        exec === ''
          ? [{ section: 'Unit', name: 'Description', value: 'no ExecStart' }]
          : [{ section: 'Service', name: 'ExecStart', value: exec }];
      for (const list of more) options.push(...list);
      const copy = options[at % options.length];
      if (duplicate && copy !== undefined) options.push(copy);
      return options;
    });
}

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
