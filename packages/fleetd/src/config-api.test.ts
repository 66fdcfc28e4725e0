import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { describe, expect, it } from 'vitest';
import { resolveGroup } from './api-listen.js';
import { buildConfig, ConfigError } from './config.js';
import { Fleetd } from './daemon.js';

const refusal = (flags: Record<string, string>) => {
  try {
    buildConfig({ flags });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};
const TLS = { tls_cert_file: '/c.pem', tls_key_file: '/k.pem', tls_ca_file: '/ca.pem' };

describe('the API listeners in the configuration', () => {
  it('refuse a plain listener beyond loopback with one line naming what to set', () => {
    expect(refusal({ listen_tcp: ':49153' })).toBe(
      'listen_tcp=:49153 would serve the API without authentication beyond loopback: set tls_cert_file, tls_key_file and tls_ca_file (clients then need certificates), or insecure_listen_tcp=true',
    );
    for (const hp of ['0.0.0.0:1', '[::]:1', 'node1.example.com:1', '127.0.0.1:1,10.0.0.1:2'])
      expect(refusal({ listen_tcp: hp })).toMatch(/would serve the API without authentication/);
  });

  it('accept plain loopback, TLS anywhere, and the explicit insecure opt-in', () => {
    for (const hp of ['127.0.0.1:49153', '127.0.0.11:0', '[::1]:1', 'localhost:1'])
      expect(buildConfig({ flags: { listen_tcp: hp } }).config.listenTcp).toEqual([hp]);
    expect(
      buildConfig({ flags: { listen_tcp: '["[::1]:1", "127.0.0.1:2"]' } }).config.listenTcp,
    ).toEqual(['[::1]:1', '127.0.0.1:2']);
    expect(buildConfig({ flags: { listen_tcp: ':49153', ...TLS } }).config.listenTcp).toEqual([
      ':49153',
    ]);
    const c = buildConfig({
      env: { FLEET_LISTEN_TCP: ':49153', FLEET_INSECURE_LISTEN_TCP: 'true' },
    });
    expect(c.config.insecureListenTcp).toBe(true);
  });

  it('read role subjects, allowed hosts and the read-only socket', () => {
    const text = [
      'tls_admin_subjects="CN=ops, DNS=deploy.ci.example.com"',
      'tls_read_subjects=CN=monitor',
      'tls_crl_file=/etc/fleet/ca.crl',
      'api_allowed_hosts=fleet.internal,FLEET2.internal',
      'listen_unix_read=/run/fleet-read.sock',
      'listen_unix_read_group=fleet-read',
      ...Object.entries(TLS).map(([k, v]) => `${k}=${v}`),
    ].join('\n');
    const { config } = buildConfig({ file: { path: '/etc/fleet/fleet.conf', text } });
    expect(config).toMatchObject({
      tlsAdminSubjects: [
        { kind: 'CN', value: 'ops' },
        { kind: 'DNS', value: 'deploy.ci.example.com' },
      ],
      tlsReadSubjects: [{ kind: 'CN', value: 'monitor' }],
      tlsCrlFile: '/etc/fleet/ca.crl',
      apiAllowedHosts: ['fleet.internal', 'FLEET2.internal'],
      listenUnixRead: '/run/fleet-read.sock',
      listenUnixReadGroup: 'fleet-read',
    });
    const d = buildConfig({}).config;
    expect(d).toMatchObject({ tlsAdminSubjects: [], listenUnixRead: '', insecureListenTcp: false });
  });

  it('refuse bad values and options that need TLS or the socket, one line each', () => {
    expect(refusal({ tls_admin_subjects: 'ops', ...TLS })).toBe(
      'invalid value for tls_admin_subjects: "ops" is not a subject (expected CN|DNS|IP|URI|EMAIL=value)',
    );
    expect(refusal({ tls_read_subjects: 'CN=monitor' })).toBe(
      'tls_read_subjects needs TLS: set tls_cert_file, tls_key_file and tls_ca_file',
    );
    expect(refusal({ tls_crl_file: '/x.crl' })).toBe(
      'tls_crl_file needs TLS: set tls_cert_file, tls_key_file and tls_ca_file',
    );
    expect(refusal({ api_allowed_hosts: 'ok.example,a_b' })).toBe(
      'invalid value for api_allowed_hosts: "a_b" (expected host names)',
    );
    expect(refusal({ listen_unix_read_group: 'fleet' })).toBe(
      'listen_unix_read_group needs listen_unix_read (the read-only socket)',
    );
    expect(refusal({ listen_unix_read: 'relative.sock' })).toMatch(
      /^invalid value for listen_unix_read: "relative.sock"/,
    );
    expect(refusal({ listen_unix_read: '/r.sock', listen_unix_read_group: 'a:b' })).toBe(
      'invalid value for listen_unix_read_group: "a:b" (expected a group name or id)',
    );
  });
});

describe('the API limits', () => {
  it("default to an operator API's and read durations and counts", () => {
    expect(buildConfig({}).config).toMatchObject({
      apiMaxConnections: 512,
      apiMaxInFlight: 128,
      apiHeadersTimeout: 10,
      apiRequestTimeout: 30,
      apiKeepAliveTimeout: 5,
      apiTlsHandshakeTimeout: 10,
    });
    const c = buildConfig({
      flags: { api_max_in_flight: '8', api_headers_timeout: '2s', api_request_timeout: '1m' },
    }).config;
    expect([c.apiMaxInFlight, c.apiHeadersTimeout, c.apiRequestTimeout]).toEqual([8, 2, 60]);
  });

  it('refuse values that cannot work', () => {
    expect(refusal({ api_max_connections: '0' })).toBe(
      'invalid value for api_max_connections: "0" (expected a whole number from 1 to 65535)',
    );
    expect(refusal({ api_headers_timeout: '1m' })).toBe(
      'api_headers_timeout must not be longer than api_request_timeout (the whole request)',
    );
  });
});

describe('the read-only socket group', () => {
  it('is a number as given, or a name from the group file; an unknown name is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-group-'));
    try {
      const file = join(dir, 'group');
      await writeFile(file, 'root:x:0:\nfleet-read:x:991:alice,bob\n');
      expect(await resolveGroup('992', file)).toBe(992);
      expect(await resolveGroup('fleet-read', file)).toBe(991);
      await expect(resolveGroup('nobody-here', file)).rejects.toThrow(
        `invalid value for listen_unix_read_group: no group named "nobody-here" in ${file}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Fleetd.start', () => {
  it('refuses a plain non-loopback listener as a configuration error even past the checks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetd-open-'));
    const registry = new InMemoryRegistry();
    const systemd = new FakeSystemd();
    try {
      await writeFile(join(dir, 'machine-id'), 'f1ee7d00000000000000000000000009\n');
      const { config } = buildConfig({
        flags: {
          units_directory: join(dir, 'units'),
          machine_id_file: join(dir, 'machine-id'),
          listen_unix: join(dir, 'fleet.sock'),
          public_ip: '127.0.0.1',
        },
      });
      // As a listener systemd passed would be: the configuration cannot see it.
      const err = await Fleetd.start(
        { ...config, listenTcp: ['0.0.0.0:0'] },
        new RecordingLogger(),
        {
          registry,
          systemd,
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(
        'refusing to serve the API without TLS on 0.0.0.0:0, which is not a loopback address: set tls_cert_file, tls_key_file and tls_ca_file, or insecure_listen_tcp=true',
      );
    } finally {
      await systemd.close();
      await registry.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
