// The configuration, fuzzed: whatever fleet.conf text, FLEET_* variables and flags say,
// buildConfig either returns a configuration whose every value is within its documented bounds
// (README "Configuration"), or throws one ConfigError whose single line names the option (or the
// file line). A configuration it accepts starts a fleetd that registers its machine.
//
// CI runs a few hundred cases. Longer: `FUZZ_RUNS=100000 npx vitest run
// packages/fleetd/src/config.fuzz.test.ts` (FUZZ_SEED=<n> replays a seed; FUZZ_START_RUNS sets
// how many accepted configurations start a fleetd, default 8).
import { isIP } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isLoopbackHost } from '@fleet/api';
import { InMemoryRegistry, Keys, normalizeKeyPrefix } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOUNDS,
  buildConfig,
  ConfigError,
  OPTIONS,
  parseConfFile,
  type ConfigSources,
  type FleetdConfig,
} from './config.js';
import { listenHost } from './config-api.js';
import { Fleetd } from './daemon.js';
import { unitsDirectoryProblem } from './units-directory.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const START_RUNS = Number(process.env.FUZZ_START_RUNS ?? 8);
const SEED = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) };
const PATH = '/etc/fleet/fleet.conf';

const junk = fc.string({ unit: 'binary', maxLength: 12 });
/** Mostly forms that should be accepted, some edge values, some junk. */
const kind = (good: fc.Arbitrary<string>, bad: readonly string[]) =>
  fc.oneof(
    { weight: 14, arbitrary: good },
    { weight: 2, arbitrary: fc.constantFrom(...bad) },
    { weight: 1, arbitrary: junk },
  );
const quoted = (a: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 4, arbitrary: a },
    { weight: 1, arbitrary: a.map((v) => `"${v}"`) },
    { weight: 1, arbitrary: a.map((v) => `'${v}'`) },
    { weight: 1, arbitrary: a.map((v) => ` ${v} `) },
  );

const durationValue = quoted(
  kind(
    fc.oneof(
      fc.constantFrom('1', '1.0', '2', '2.0', '2.5', '30', '30s', '120s', '1m', '1m30s', '1500ms'),
      fc.constantFrom('1h', '24h', '3600', '600', '0.1', '.5', '5.', '+3s', '30s500ms', '2.4'),
      fc.constantFrom('0.0001', '30S', '0x10', '99999999999999999999', '9007199254740993'),
      fc.double({ min: 0.1, max: 600, noNaN: true }).map(String),
      fc
        .tuple(fc.nat(100_000), fc.constantFrom('ns', 'us', 'ms', 's', 'm', 'h', ''))
        .map(([n, u]) => `${n}${u}`),
    ),
    ['0', '0.05', '25h', '86401', '601', '-1', '-30s', '1e3', 'NaN', 'Infinity', '', '30 s', '1d'],
  ),
);
const intValue = quoted(
  kind(fc.oneof(fc.integer({ min: 0, max: 10 }).map(String), fc.constantFrom('100', '65535')), [
    '-1',
    '0',
    '11',
    '65536',
    '1.5',
    '0x10',
    '',
    '1e2',
  ]),
);
const boolValue = quoted(
  kind(fc.constantFrom('true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'f', ''), ['maybe', '2']),
);
const prefixValue = quoted(
  kind(fc.constantFrom('/', 'a', '/a/b', '/fleet_functional/smoke1', '//', '/..', '/./x/../y'), [
    '',
    '/a b',
    '/é/',
  ]),
);
const pathValue = quoted(
  kind(fc.constantFrom('/run/fleet/units/', '/tmp/x', '/var/lib/fleet', '/etc/systemd/system/x'), [
    '/',
    '/etc/systemd/system',
    '/etc/systemd/system/x.wants',
    '/usr/lib/systemd/system/',
    'rel',
    '',
    '/lib/systemd/user/',
  ]),
);
const ipValue = quoted(
  kind(fc.constantFrom('', '127.0.0.1', '::1', '127.0.0.2', 'node1.example.com'), [
    '1.2.3.4\\n',
    'a b',
    '-x',
  ]),
);
const metadataValue = quoted(
  kind(
    fc.constantFrom(
      'a=b',
      'region=us-west,az=us-west-1',
      '__proto__=x',
      'constructor=y',
      'a=1,a=2',
    ),
    ['a', '=b', 'a=\u001b[31m', ',,', 'k = v', 'a="b"'],
  ),
);
const serversValue = quoted(
  kind(
    fc.constantFrom(
      'http://a:1',
      '["http://a:1","http://b:2"]',
      'https://x:2379/',
      'http://a:1, http://b:2',
    ),
    ['', 'a:1', 'ftp://x', '[]', 'http://'],
  ),
);
const tcpValue = quoted(
  kind(fc.constantFrom(':0', '127.0.0.1:0', '[::1]:80', '', ':65535', 'a:1,b:2'), [
    '0.0.0.0:99999',
    'x',
    '127.0.0.1:65536',
  ]),
);

const subjectsValue = quoted(
  kind(fc.constantFrom('', 'CN=ops', 'CN=ops,DNS=ci.example.com', 'uri=spiffe://x/y'), [
    'ops',
    'O=acme',
    'CN=',
  ]),
);

/** A value of the right kind (mostly) for each known option, or any junk. */
function valueFor(name: string): fc.Arbitrary<string> {
  const byName: Record<string, fc.Arbitrary<string>> = {
    agent_ttl: durationValue,
    etcd_request_timeout: durationValue,
    engine_reconcile_interval: durationValue,
    verbosity: intValue,
    token_limit: intValue,
    etcd_key_prefix: prefixValue,
    units_directory: pathValue,
    listen_unix: pathValue,
    machine_id_file: pathValue,
    public_ip: ipValue,
    metadata: metadataValue,
    etcd_servers: serversValue,
    listen_tcp: tcpValue,
    tls_admin_subjects: subjectsValue,
    tls_read_subjects: subjectsValue,
    api_allowed_hosts: quoted(
      kind(fc.constantFrom('', 'fleet.example.com', 'a.example,b.example'), ['a b', '-x']),
    ),
  };
  if (Object.hasOwn(byName, name)) return byName[name] ?? junk;
  const spec = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
  if (spec?.deflt === 'true' || spec?.deflt === 'false') return boolValue;
  if (['enable_grpc', 'verify_units', 'disable_watches'].includes(name)) return boolValue;
  return quoted(kind(fc.constantFrom('', '/path/to/file', 'guest', 'p4ssw0rd'), ['\\n']));
}

const KNOWN = [...Object.keys(OPTIONS), 'enable_grpc', 'verify_units', 'authorized_keys_file'];
const PROTOTYPE = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
];
const knownName = fc.constantFrom(...KNOWN);
const setting = fc.oneof(
  { weight: 30, arbitrary: knownName.chain((n) => fc.tuple(fc.constant(n), valueFor(n))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTOTYPE, 'etcd_server', 'bogus'), junk) },
  { weight: 1, arbitrary: fc.tuple(junk, junk) },
);
const line = fc.oneof(
  { weight: 16, arbitrary: setting.map(([k, v]) => `${k}=${v}`) },
  { weight: 3, arbitrary: fc.constantFrom('', '# comment', '; comment', '   ', '#x=y') },
  { weight: 1, arbitrary: fc.constantFrom('[section]', 'just words', '=value') },
  { weight: 1, arbitrary: junk.map((j) => `#${j}`) },
  { weight: 1, arbitrary: junk },
);
const envEntry = fc.oneof(
  {
    weight: 8,
    arbitrary: knownName.chain((n) =>
      fc.tuple(fc.constant(`FLEET_${n.toUpperCase()}`), valueFor(n)),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom('FLEET_CONSTRUCTOR', 'FLEET___PROTO__', 'FLEET_', 'FLEET_E2E', 'PATH'),
      junk,
    ),
  },
);
const sources: fc.Arbitrary<ConfigSources> = fc.record({
  file: fc
    .tuple(fc.array(line, { maxLength: 6 }), fc.constantFrom('\n', '\r\n'))
    .map(([lines, nl]) => ({ path: PATH, text: lines.join(nl) })),
  env: fc.array(envEntry, { maxLength: 3 }).map((entries) => Object.fromEntries(entries)),
  flags: fc.array(setting, { maxLength: 2 }).map((entries) => Object.fromEntries(entries)),
});

const within = (v: number, [min, max]: readonly [number, number]) => v >= min && v <= max;
const printable = (s: string) =>
  [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);

/** Every value of an accepted configuration, against its documented bounds. */
function checkBounds(c: FleetdConfig, warnings: readonly string[]): void {
  expect(within(c.etcdRequestTimeout, BOUNDS.etcdRequestTimeout)).toBe(true);
  expect(within(c.engineReconcileInterval, BOUNDS.engineReconcileInterval)).toBe(true);
  expect(Number.isInteger(c.agentTtl) && within(c.agentTtl, BOUNDS.agentTtl)).toBe(true);
  expect(Number.isInteger(c.tokenLimit) && within(c.tokenLimit, BOUNDS.tokenLimit)).toBe(true);
  expect(Number.isInteger(c.verbosity) && within(c.verbosity, BOUNDS.verbosity)).toBe(true);
  expect(c.etcdServers.length).toBeGreaterThan(0);
  for (const url of c.etcdServers) expect(url).toMatch(/^https?:\/\/[^/\s]+\/?$/);
  expect(c.etcdKeyPrefix).toBe(normalizeKeyPrefix(c.etcdKeyPrefix));
  expect(new Keys(c.etcdKeyPrefix).prefix).toBe(c.etcdKeyPrefix);
  expect(c.unitsDirectory.startsWith('/')).toBe(true);
  expect(unitsDirectoryProblem(c.unitsDirectory)).toBeUndefined();
  expect(c.machineIdFile.startsWith('/')).toBe(true);
  expect(c.listenUnix === '' || c.listenUnix.startsWith('/')).toBe(true);
  for (const hp of c.listenTcp)
    expect(Number(hp.slice(hp.lastIndexOf(':') + 1))).toBeLessThanOrEqual(65535);
  expect(c.publicIp === '' || isIP(c.publicIp) !== 0 || /^[A-Za-z0-9.-]+$/.test(c.publicIp)).toBe(
    true,
  );
  for (const [k, v] of Object.entries(c.metadata)) {
    expect(k).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(printable(v)).toBe(true);
  }
  for (const b of [
    c.systemdUser,
    c.disableEngine,
    c.disableWatches,
    c.drainOnShutdown,
    c.agentSelfFence,
  ])
    expect(typeof b).toBe('boolean');
  expect((c.etcdCertfile === '') === (c.etcdKeyfile === '')).toBe(true);
  // No open root API: a plain listener beyond loopback only with the explicit opt-in.
  if (c.tlsCertFile === '' && !c.insecureListenTcp)
    for (const hp of c.listenTcp) expect(isLoopbackHost(listenHost(hp)), hp).toBe(true);
  for (const w of warnings) expect(w).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
}

/** A refusal: one ConfigError, one line, naming a known option (or the file line). */
function checkRefusal(err: unknown): void {
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg).not.toMatch(/[\r\n\u0085\u2028\u2029]/);
  expect(msg.length).toBeLessThan(400);
  const named =
    /^invalid value for ([a-z_]+): /.exec(msg)?.[1] ??
    /^([a-z_]+) and [a-z_]+ must be given together$/.exec(msg)?.[1] ??
    /^(tls_ca_file) is required/.exec(msg)?.[1] ??
    /^([a-z_]+)(?:=\S+)? (?:needs|would serve|must not be) /.exec(msg)?.[1];
  if (named !== undefined) expect(KNOWN).toContain(named);
  else
    expect(msg).toMatch(
      /^(unknown option .+ in (\/etc\/fleet\/fleet\.conf:\d+|environment variable FLEET_\w+|flag --.+)|\/etc\/fleet\/fleet\.conf:\d+: expected option=value, got ".*")$/,
    );
}

/** Whether the sources name an option fleetd does not know (which must be refused). */
function namesUnknown(src: ConfigSources): boolean {
  const known = (n: string) => KNOWN.includes(n);
  if (Object.keys(src.flags ?? {}).some((k) => !known(k.replace(/-/g, '_')))) return true;
  try {
    return parseConfFile(src.file?.text ?? '', PATH).some(([n]) => !known(n));
  } catch {
    return true; // a line that is not option=value: refused too
  }
}

type Outcome = { ok: true; config: FleetdConfig; warnings: string[] } | { ok: false };

function build(src: ConfigSources): Outcome {
  try {
    const { config, warnings } = buildConfig(src);
    expect(namesUnknown(src), 'an unknown option was accepted').toBe(false);
    checkBounds(config, warnings);
    return { ok: true, config, warnings };
  } catch (err) {
    if (err instanceof ConfigError) {
      checkRefusal(err);
      return { ok: false };
    }
    throw err;
  }
}

describe('the configuration, fuzzed', () => {
  it(
    `accepts within bounds or refuses with one line naming the option (${RUNS} cases)`,
    () => {
      let accepted = 0;
      fc.assert(
        fc.property(sources, (src) => {
          if (build(src).ok) accepted++;
        }),
        { numRuns: RUNS, ...SEED },
      );
      // The generators must reach both outcomes, or the property says little.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(RUNS);
    },
    Math.max(30_000, RUNS),
  );

  describe('an accepted configuration starts a fleetd that registers', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fleetd-fuzz-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // Values that name this host's files and ports are pointed at a scratch directory.
    const accepted = sources
      .map((src) => build(src))
      .filter((o): o is Extract<Outcome, { ok: true }> => o.ok);

    it(
      `(${START_RUNS} cases, in-memory registry and fake systemd)`,
      async () => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(accepted, async ({ config }) => {
            n++;
            const id = n.toString(16).padStart(32, 'f');
            const here = join(dir, String(n));
            await writeFile(join(dir, `machine-id-${n}`), `${id}\n`);
            const c: FleetdConfig = {
              ...config,
              machineIdFile: join(dir, `machine-id-${n}`),
              unitsDirectory: join(here, 'units'),
              listenUnix: join(dir, `fleet-${n}.sock`),
              listenTcp: [],
              tlsCertFile: '',
              tlsKeyFile: '',
              tlsCaFile: '',
              tlsCrlFile: '',
              tlsAdminSubjects: [],
              tlsReadSubjects: [],
              listenUnixRead: '',
              listenUnixReadGroup: '',
            };
            const registry = new InMemoryRegistry({ prefix: c.etcdKeyPrefix });
            const d = await Fleetd.start(c, new RecordingLogger(), {
              registry,
              systemd: new FakeSystemd(),
            });
            try {
              await waitFor(() => d.agent.registered, { timeoutMs: 10_000, what: 'registration' });
              const [machine] = (await registry.listMachines()).items;
              expect(machine).toMatchObject({ id, metadata: c.metadata });
            } finally {
              await d.stop();
              await registry.close();
            }
          }),
          { numRuns: START_RUNS, ...SEED },
        );
      },
      Math.max(120_000, START_RUNS * 2_000),
    );
  });
});
