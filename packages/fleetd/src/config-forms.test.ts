// Every option and form that fleet's documentation, sample configuration and functional tests
// show is accepted; values that cannot work are refused with one line naming the option.
import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { buildConfig, ConfigError, type ConfigSources } from './config.js';

const conf = (text: string): ConfigSources => ({ file: { path: '/etc/fleet/fleet.conf', text } });

describe("fleet's configuration forms", () => {
  it("accepts fleet.conf.sample with every option uncommented, as fleet's sample writes them", () => {
    const text = [
      '# This config file is INI-formatted',
      'verbosity=0',
      'etcd_servers=["http://127.0.0.1:2379", "http://127.0.0.1:4001"]',
      'etcd_request_timeout=1.0',
      'etcd_cafile=/path/to/CAfile',
      'etcd_keyfile=/path/to/keyfile',
      'etcd_certfile=/path/to/certfile',
      'etcd_username=guest',
      'etcd_password=p4ssw0rd',
      'public_ip=""',
      'metadata="region=us-west,az=us-west-1"',
      'agent_ttl="30s"',
      'engine_reconcile_interval=2',
    ].join('\n');
    const { config, warnings } = buildConfig(conf(text));
    expect(config).toMatchObject({
      verbosity: 0,
      etcdServers: ['http://127.0.0.1:2379', 'http://127.0.0.1:4001'],
      etcdRequestTimeout: 1,
      etcdCafile: '/path/to/CAfile',
      etcdKeyfile: '/path/to/keyfile',
      etcdCertfile: '/path/to/certfile',
      etcdUsername: 'guest',
      etcdPassword: 'p4ssw0rd',
      publicIp: '',
      metadata: { region: 'us-west', az: 'us-west-1' },
      agentTtl: 30,
      engineReconcileInterval: 2,
    });
    expect(warnings).toEqual([]);
  });

  it("accepts the fleet.conf of fleet's functional tests: a prefix without a trailing slash", () => {
    const text = [
      'verbosity=2',
      'etcd_servers=["http://127.0.0.1:4001"]',
      'etcd_key_prefix=/fleet_functional/smoke1',
      'public_ip=127.0.0.18',
    ].join('\n');
    const { config } = buildConfig(conf(text));
    expect(config.etcdKeyPrefix).toBe('/fleet_functional/smoke1/');
    expect(config.etcdServers).toEqual(['http://127.0.0.1:4001']);
    expect(config.verbosity).toBe(2);
  });

  it.each([
    ['/fleet_functional/smoke1', '/fleet_functional/smoke1/'],
    ['/fleet_functional/smoke1/', '/fleet_functional/smoke1/'],
    ['fleet_functional/smoke1', '/fleet_functional/smoke1/'],
    ['"/_coreos.com/fleet"', '/_coreos.com/fleet/'],
    ['/', '/'],
  ])('reads etcd_key_prefix=%s as fleet did (path.Join): %s', (raw, prefix) => {
    expect(buildConfig(conf(`etcd_key_prefix=${raw}`)).config.etcdKeyPrefix).toBe(prefix);
    expect(buildConfig({ env: { FLEET_ETCD_KEY_PREFIX: raw } }).config.etcdKeyPrefix).toBe(prefix);
  });

  it.each([
    ['agent_ttl', '"30s"', 30],
    ['agent_ttl', '120s', 120],
    ['agent_ttl', '1m', 60],
    ['agent_ttl', '1m30s', 90],
    ['agent_ttl', '30', 30],
    ['agent_ttl', "'45s'", 45],
    ['agent_ttl', '0.5h', 1800],
    ['etcd_request_timeout', '1.0', 1],
    ['etcd_request_timeout', '1', 1],
    ['etcd_request_timeout', '0.5', 0.5],
    ['etcd_request_timeout', '1500ms', 1.5],
    ['engine_reconcile_interval', '2.0', 2],
    ['engine_reconcile_interval', '2', 2],
    ['engine_reconcile_interval', '"5"', 5],
  ] as const)('reads the duration %s=%s as %d s (file, FLEET_* and flag)', (name, raw, want) => {
    const key =
      name === 'agent_ttl'
        ? 'agentTtl'
        : name === 'etcd_request_timeout'
          ? 'etcdRequestTimeout'
          : 'engineReconcileInterval';
    expect(buildConfig(conf(`${name}=${raw}`)).config[key]).toBe(want);
    expect(buildConfig({ env: { [`FLEET_${name.toUpperCase()}`]: raw } }).config[key]).toBe(want);
    expect(buildConfig({ flags: { [name]: raw } }).config[key]).toBe(want);
  });

  it('reads every FLEET_* variable fleet documents', () => {
    const { config, warnings } = buildConfig({
      env: {
        FLEET_VERBOSITY: '1',
        FLEET_ETCD_SERVERS: 'http://192.0.2.12:4001',
        FLEET_ETCD_USERNAME: 'u',
        FLEET_ETCD_PASSWORD: 'p',
        FLEET_ETCD_CAFILE: '/ca.pem',
        FLEET_ETCD_CERTFILE: '/c.pem',
        FLEET_ETCD_KEYFILE: '/k.pem',
        FLEET_ETCD_KEY_PREFIX: '/fleet_functional/env',
        FLEET_ETCD_REQUEST_TIMEOUT: '1.0',
        FLEET_ENGINE_RECONCILE_INTERVAL: '2.0',
        FLEET_PUBLIC_IP: '127.0.0.11',
        FLEET_METADATA: 'region=us-west,az=us-west-1',
        FLEET_AGENT_TTL: '30s',
        FLEET_UNITS_DIRECTORY: '/run/fleet/units/',
        FLEET_SYSTEMD_USER: 'false',
        FLEET_TOKEN_LIMIT: '50',
        FLEET_DISABLE_ENGINE: 'true',
        FLEET_DISABLE_WATCHES: 'false',
        FLEET_ENABLE_GRPC: 'false',
        FLEET_VERIFY_UNITS: 'false',
        FLEET_AUTHORIZED_KEYS_FILE: '',
      },
    });
    expect(config).toMatchObject({
      verbosity: 1,
      etcdServers: ['http://192.0.2.12:4001'],
      etcdUsername: 'u',
      etcdPassword: 'p',
      etcdCafile: '/ca.pem',
      etcdCertfile: '/c.pem',
      etcdKeyfile: '/k.pem',
      etcdKeyPrefix: '/fleet_functional/env/',
      etcdRequestTimeout: 1,
      engineReconcileInterval: 2,
      publicIp: '127.0.0.11',
      metadata: { region: 'us-west', az: 'us-west-1' },
      agentTtl: 30,
      unitsDirectory: '/run/fleet/units/',
      systemdUser: false,
      tokenLimit: 50,
      disableEngine: true,
      disableWatches: false,
    });
    expect(warnings).toEqual([]); // options set to what fleetd does anyway: nothing to say
  });

  it.each([
    ['etcd_servers=["http://a:2379","http://b:2379"]', ['http://a:2379', 'http://b:2379']],
    ['etcd_servers=[ "http://a:2379" , "http://b:2379" ]', ['http://a:2379', 'http://b:2379']],
    ['etcd_servers=http://a:2379,http://b:2379', ['http://a:2379', 'http://b:2379']],
    ['etcd_servers="http://a:2379,http://b:2379"', ['http://a:2379', 'http://b:2379']],
    ["etcd_servers=['https://a:2379']", ['https://a:2379']],
  ])('reads the etcd_servers list form %s', (line, want) => {
    expect(buildConfig(conf(line)).config.etcdServers).toEqual(want);
  });

  it.each([
    ['metadata="region=us-west,az=us-west-1"', { region: 'us-west', az: 'us-west-1' }],
    ["metadata='region=us-west'", { region: 'us-west' }],
    ['metadata=region = us-west , az=us-west-1', { region: 'us-west', az: 'us-west-1' }],
    ['metadata=role="web",disk=\'ssd\'', { role: 'web', disk: 'ssd' }],
    ['metadata=a=1,a=2', { a: '2' }], // the last duplicate wins, as in fleet
    ['metadata=""', {}],
  ])('reads the metadata form %s', (line, want) => {
    expect(buildConfig(conf(line)).config.metadata).toEqual(want);
  });

  it.each([
    ['enable_grpc', 'true', 'fleetd talks to etcd v3 directly'],
    ['verify_units', 'true', 'signed units were removed'],
    ['authorized_keys_file', '/home/core/.ssh/authorized_keys', 'signed units were removed'],
    ['disable_watches', 'true', 'watches only its own'],
  ])('accepts %s=%s with one warning', (name, value, why) => {
    const fromFile = buildConfig(conf(`${name}=${value}`)).warnings;
    expect(fromFile).toHaveLength(1);
    expect(fromFile[0]).toContain(`option ${name} (/etc/fleet/fleet.conf:1) is ignored: `);
    expect(fromFile[0]).toContain(why);
    // Set in the file and the environment: still one warning, naming where the value came from.
    const both = buildConfig({
      ...conf(`${name}=${value}`),
      env: { [`FLEET_${name.toUpperCase()}`]: value },
    }).warnings;
    expect(both).toEqual([
      fromFile[0]?.replace(
        '/etc/fleet/fleet.conf:1',
        `environment variable FLEET_${name.toUpperCase()}`,
      ),
    ]);
  });

  it('uses systemd_user, token_limit, disable_engine and public_ip', () => {
    const { config } = buildConfig(
      conf('systemd_user=true\ntoken_limit=25\ndisable_engine=true\npublic_ip=127.0.0.11'),
    );
    expect(config).toMatchObject({
      systemdUser: true,
      tokenLimit: 25,
      disableEngine: true,
      publicIp: '127.0.0.11',
    });
    expect(buildConfig(conf('public_ip=::1')).config.publicIp).toBe('::1');
    expect(buildConfig(conf('public_ip=node1.example.com')).config.publicIp).toBe(
      'node1.example.com',
    );
    expect(() => buildConfig(conf('public_ip=node 1'))).toThrow(/public_ip/);
    expect(Object.is(buildConfig(conf('verbosity=-0')).config.verbosity, 0)).toBe(true);
  });

  it('rounds an agent_ttl that is not whole seconds, with one warning (leases are whole seconds)', () => {
    for (const [raw, want] of [
      ['2.5', 3],
      ['1500ms', 2],
      ['30s500ms', 31],
      ['2.4', 2],
    ] as const) {
      const { config, warnings } = buildConfig({ flags: { agent_ttl: raw } });
      expect(config.agentTtl).toBe(want);
      expect(Number.isInteger(config.agentTtl)).toBe(true);
      expect(warnings).toEqual([
        `agent_ttl "${raw}" is rounded to ${want}s (leases are whole seconds) (flag --agent_ttl)`,
      ]);
    }
  });
});

describe('configuration values that cannot work', () => {
  it.each([
    // prototype names are not options (L7)
    [{ flags: { constructor: 'x' } }, 'unknown option constructor in flag --constructor'],
    [{ flags: { toString: 'x' } }, 'unknown option toString in flag --toString'],
    [conf('hasOwnProperty=1'), 'unknown option hasOwnProperty in /etc/fleet/fleet.conf:1'],
    [conf('__proto__=1'), 'unknown option __proto__ in /etc/fleet/fleet.conf:1'],
    [conf('valueOf=1'), 'unknown option valueOf in /etc/fleet/fleet.conf:1'],
    // durations: no 0 ms timers, no overflowing timers
    [
      { flags: { etcd_request_timeout: '1e-9' } },
      'invalid value for etcd_request_timeout: "1e-9" (expected a number of seconds such as 1.0, or a duration such as 2s)',
    ],
    [
      { flags: { etcd_request_timeout: '0.00001' } },
      'invalid value for etcd_request_timeout: "0.00001" (expected from 0.1s to 600s)',
    ],
    [
      { flags: { engine_reconcile_interval: '0.0001' } },
      'invalid value for engine_reconcile_interval: "0.0001" (expected from 0.1s to 1h)',
    ],
    [
      { flags: { engine_reconcile_interval: '0' } },
      'invalid value for engine_reconcile_interval: "0" (expected from 0.1s to 1h)',
    ],
    [
      { flags: { agent_ttl: '99999999999999999999' } },
      'invalid value for agent_ttl: "99999999999999999999" (expected from 2s to 24h)',
    ],
    [{ flags: { agent_ttl: '1s' } }, 'invalid value for agent_ttl: "1s" (expected from 2s to 24h)'],
    [
      { flags: { agent_ttl: '-30s' } },
      'invalid value for agent_ttl: "-30s" (expected a duration such as 30s or 1m)',
    ],
    [
      { flags: { agent_ttl: 'NaN' } },
      'invalid value for agent_ttl: "NaN" (expected a duration such as 30s or 1m)',
    ],
    [
      { flags: { agent_ttl: 'Infinity' } },
      'invalid value for agent_ttl: "Infinity" (expected a duration such as 30s or 1m)',
    ],
    [
      { flags: { agent_ttl: '25d' } },
      'invalid value for agent_ttl: "25d" (expected a duration such as 30s or 1m)',
    ],
    [
      { flags: { token_limit: '1e3' } },
      'invalid value for token_limit: "1e3" (expected a whole number from 1 to 65535)',
    ],
    // ports, paths, prefix, addresses
    [
      { flags: { listen_tcp: '0.0.0.0:99999' } },
      'invalid value for listen_tcp: "0.0.0.0:99999" (the port must be from 0 to 65535)',
    ],
    [
      { flags: { units_directory: 'rel/dir' } },
      'invalid value for units_directory: "rel/dir" (expected an absolute path)',
    ],
    [
      { flags: { listen_unix: 'fleet.sock' } },
      'invalid value for listen_unix: "fleet.sock" (expected an absolute path or nothing)',
    ],
    [
      { flags: { etcd_key_prefix: '' } },
      'invalid value for etcd_key_prefix: key prefix is empty (write "/" for the root of the keyspace)',
    ],
    [
      { flags: { etcd_key_prefix: '/a b/' } },
      'invalid value for etcd_key_prefix: key prefix "/a b/" must be printable ASCII without spaces',
    ],
    [
      { flags: { public_ip: '1.2.3.4\n* ssh-ed25519 AAAA' } },
      'invalid value for public_ip: "1.2.3.4\\n* ssh-ed25519 AAAA" (expected an IP address or a host name)',
    ],
    [
      { flags: { metadata: 'a=\u001b[31mred' } },
      'invalid value for metadata: "a=\\u001b[31mred" (control characters are not allowed)',
    ],
    [
      { flags: { metadata: 'role=web,__proto__=x' } },
      'invalid value for metadata: "__proto__=x" (__proto__ cannot be a metadata key)',
    ],
    [
      { flags: { etcd_certfile: '/c.pem' } },
      'etcd_certfile and etcd_keyfile must be given together',
    ],
  ])('refuses %j with one line', (src, message) => {
    let caught: unknown;
    try {
      buildConfig(src);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toBe(message);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('refuses prototype names on the command line too', () => {
    expect(() => parseArgs(['--constructor', 'x'])).toThrow('unknown flag --constructor');
    expect(() => parseArgs(['--__proto__', 'x'])).toThrow('unknown flag --__proto__');
    // With "=", the name reaches buildConfig, which refuses it.
    const inv = parseArgs(['--toString=x']);
    expect(inv.kind === 'run' && (() => buildConfig({ flags: inv.flags }))).toThrow(
      'unknown option toString in flag --toString',
    );
  });

  it('takes a client certificate without etcd_cafile (etcd with a public certificate)', () => {
    const { config } = buildConfig(conf('etcd_certfile=/c.pem\netcd_keyfile=/k.pem'));
    expect(config).toMatchObject({ etcdCertfile: '/c.pem', etcdKeyfile: '/k.pem', etcdCafile: '' });
  });
});
