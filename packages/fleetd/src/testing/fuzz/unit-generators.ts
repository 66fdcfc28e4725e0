// Generators of what a unit is made of: names (valid, refused, and the review's edges), option
// values as careless clients send them, [X-Fleet] requirements and whole option lists.
import fc from 'fast-check';
import type { GeneratorOptions, OptionSpec } from './case-spec.js';
import type { KnownBug } from './known-bugs.js';
/** The longest value that fits a line of `name=value\n` in 2,048 bytes. */
const maxValueBytes = (name: string) => 2047 - name.length - 1;

/** Picks `arb` unless `bug` is skipped, as a weighted oneof entry. */
export function gated<T>(
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
      arbitrary: fc.constantFrom('a:b\\x2dc.service', 'a.b.c.service', 'w@a@b.service'),
      weight: 3,
    },
    // Names systemd takes but fleet refuses: a leading "-", the host's own units.
    {
      arbitrary: fc.constantFrom(
        '-H.service',
        '--user.service',
        '-.mount',
        'fleet.service',
        'fleet.socket',
        'dbus.service',
        'systemd-journald.service',
      ),
      weight: 1,
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
        // Keys named like Object.prototype members (PATCH /machines can set them).
        '__proto__=eu',
        'constructor=eu',
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

export function optionsArb(o: GeneratorOptions): fc.Arbitrary<OptionSpec[]> {
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
    .tuple(exec, fc.array(other, { maxLength: 3 }), fc.boolean(), fc.nat(9))
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
