import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { buildConfig, ConfigError, parseConfFile } from './config.js';

describe('fleetd configuration', () => {
  it("has fleet's defaults, but for a 5 s agent TTL and a 0.6 s engine interval (3 s lease)", () => {
    const { config } = buildConfig({});
    expect(config).toMatchObject({
      etcdServers: ['http://127.0.0.1:2379', 'http://127.0.0.1:4001'],
      etcdKeyPrefix: '/_coreos.com/fleet/',
      agentTtl: 5,
      engineReconcileInterval: 0.6,
      unitsDirectory: '/run/fleet/units/',
      tokenLimit: 100,
      disableEngine: false,
      listenUnix: '/run/fleet.sock',
      listenTcp: [],
      drainOnShutdown: true,
      agentSelfFence: false,
      metadata: {},
    });
  });

  it('reads agent_self_fence (ours, off by default) from the file, the environment and flags', () => {
    const file = { path: '/etc/fleet/fleet.conf', text: 'agent_self_fence=true' };
    expect(buildConfig({ file }).config.agentSelfFence).toBe(true);
    expect(buildConfig({ env: { FLEET_AGENT_SELF_FENCE: '1' } }).config.agentSelfFence).toBe(true);
    expect(
      buildConfig({ file, flags: { 'agent-self-fence': 'false' } }).config.agentSelfFence,
    ).toBe(false);
  });

  it('reads fleet.conf, then FLEET_* variables, then flags', () => {
    const text = [
      '# fleet.conf',
      'etcd_servers=["http://127.0.0.1:2379","http://127.0.0.2:2379"]',
      'metadata="region=us-east,disk=ssd"',
      'agent_ttl=1m30s',
      '; comment',
      'public_ip=127.0.0.11',
    ].join('\n');
    const { config } = buildConfig({
      file: { path: '/etc/fleet/fleet.conf', text },
      env: {
        FLEET_PUBLIC_IP: '127.0.0.12',
        FLEET_TOKEN_LIMIT: '50',
        FLEET_E2E: 'unrelated',
        PATH: '/bin',
      },
      flags: { 'token-limit': '7' },
    });
    expect(config.etcdServers).toEqual(['http://127.0.0.1:2379', 'http://127.0.0.2:2379']);
    expect(config.metadata).toEqual({ region: 'us-east', disk: 'ssd' });
    expect(config.agentTtl).toBe(90);
    expect(config.publicIp).toBe('127.0.0.12');
    expect(config.tokenLimit).toBe(7);
  });

  it.each([
    [
      { flags: { agent_ttl: 'soon' } },
      'invalid value for agent_ttl: "soon" (expected a duration such as 30s or 1m)',
    ],
    [
      { flags: { token_limit: '0' } },
      'invalid value for token_limit: "0" (expected a whole number from 1 to 65535)',
    ],
    [
      { flags: { agent_self_fence: 'sometimes' } },
      'invalid value for agent_self_fence: "sometimes" (expected true or false)',
    ],
    [
      { env: { FLEET_AGENT_SELF_FENCE: '30s' } },
      'invalid value for agent_self_fence: "30s" (expected true or false)',
    ],
    [
      { env: { FLEET_DISABLE_ENGINE: 'maybe' } },
      'invalid value for disable_engine: "maybe" (expected true or false)',
    ],
    [
      { flags: { etcd_servers: '127.0.0.1:2379' } },
      'invalid value for etcd_servers: "127.0.0.1:2379" (expected http://host:port)',
    ],
    [
      { flags: { metadata: 'region' } },
      'invalid value for metadata: "region" (expected key=value pairs separated by commas)',
    ],
    [
      { flags: { listen_tcp: 'everywhere' } },
      'invalid value for listen_tcp: "everywhere" (expected host:port)',
    ],
    [
      { flags: { tls_cert_file: '/c.pem' } },
      'tls_cert_file and tls_key_file must be given together',
    ],
    [{ flags: { bogus: '1' } }, 'unknown option bogus in flag --bogus'],
    [
      { file: { path: '/f', text: 'etcd_server=http://x:1' } },
      'unknown option etcd_server in /f:1',
    ],
    [{ file: { path: '/f', text: 'just words' } }, '/f:1: expected option=value, got "just words"'],
  ])('refuses bad input with one clear message: %j', (src, message) => {
    expect(() => buildConfig(src)).toThrow(new ConfigError(message));
  });

  it('warns about options fleet had that mean nothing here', () => {
    const { warnings } = buildConfig({
      file: { path: '/f', text: 'enable_grpc=true\nverify_units=true' },
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^option enable_grpc \(\/f:1\) is ignored/);
  });

  it('warns that an etcd password goes in clear text without TLS, not when TLS is used', () => {
    const text = (servers: string, more = '') =>
      `etcd_servers=${servers}\netcd_username=fleet\netcd_password=secret\n${more}`;
    const plain = buildConfig({
      file: { path: '/f', text: text('http://10.0.0.1:2379,http://10.0.0.2:2379') },
    });
    expect(plain.warnings).toEqual([
      'etcd_password is sent in clear text to http://10.0.0.1:2379, http://10.0.0.2:2379: use ' +
        'https:// etcd_servers (with etcd_cafile), or a client certificate instead of a password',
    ]);
    // etcd3 speaks TLS to every server once one is https:// or a TLS file is given.
    for (const t of [
      text('https://10.0.0.1:2379,http://10.0.0.2:2379'),
      text('http://10.0.0.1:2379', 'etcd_cafile=/ca.pem'),
    ])
      expect(buildConfig({ file: { path: '/f', text: t } }).warnings).toEqual([]);
    expect(
      buildConfig({ file: { path: '/f', text: 'etcd_servers=http://10.0.0.1:2379' } }).warnings,
    ).toEqual([]);
  });

  it('parses conf lines with their line numbers', () => {
    expect(parseConfFile('a=1\n\n b = "two" \n', 'x')).toEqual([
      ['a', '1', 1],
      ['b', '"two"', 3], // the option's parser takes the quotes off
    ]);
  });
});

describe('fleetd command line', () => {
  it('knows version, help, -config and --option forms', () => {
    expect(parseArgs(['version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['-version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(
      parseArgs([
        '-config',
        '/etc/x.conf',
        '--agent_ttl=5s',
        '--public-ip',
        '1.2.3.4',
        '--disable_engine',
      ]),
    ).toEqual({
      kind: 'run',
      configPath: '/etc/x.conf',
      flags: { agent_ttl: '5s', public_ip: '1.2.3.4', disable_engine: 'true' },
    });
  });

  it("says 'Did you mean to invoke fleetctl' for a stray argument, and names an unknown flag", () => {
    expect(() => parseArgs(['list-units'])).toThrow(
      'unexpected argument "list-units". Did you mean to invoke fleetctl instead?',
    );
    expect(() => parseArgs(['--nope'])).toThrow('unknown flag --nope');
    expect(() => parseArgs(['--etcd_servers'])).toThrow('flag --etcd_servers needs a value');
  });
});
