// metrics_listen: the option (file, environment, flag; refused values) and the listener that
// serves only GET /metrics, without the API and without authentication.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from './config.js';
import { Fleetd } from './daemon.js';

const ID = 'f1ee7d000000000000000000000000aa';

describe('metrics_listen option', () => {
  it('is empty by default, and taken from the file, the environment or a flag', () => {
    expect(buildConfig({}).config.metricsListen).toBe('');
    const file = { path: '/etc/fleet/fleet.conf', text: 'metrics_listen=":9100"\n' };
    expect(buildConfig({ file }).config.metricsListen).toBe(':9100');
    const env = { FLEET_METRICS_LISTEN: '127.0.0.1:9101' };
    expect(buildConfig({ file, env }).config.metricsListen).toBe('127.0.0.1:9101');
    const flags = { 'metrics-listen': '[::1]:9102' };
    expect(buildConfig({ file, env, flags }).config.metricsListen).toBe('[::1]:9102');
  });

  it.each([
    ['9100', 'invalid value for metrics_listen: "9100" (expected host:port)'],
    [
      'http://127.0.0.1:9100',
      'invalid value for metrics_listen: "http://127.0.0.1:9100" (expected host:port)',
    ],
    [
      '127.0.0.1:70000',
      'invalid value for metrics_listen: "127.0.0.1:70000" (the port must be from 0 to 65535)',
    ],
  ])('refuses %s with one line naming the option', (value, message) => {
    const build = () => buildConfig({ flags: { metrics_listen: value } });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });
});

/** One request to the metrics listener: status, headers and body. */
function fetchRaw(
  address: string,
  method: string,
  path: string,
): Promise<{ status: number; allow?: string; type?: string; body: string }> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: address.slice(0, at), port: Number(address.slice(at + 1)), method, path },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.allow === undefined ? {} : { allow: res.headers.allow }),
            ...(res.headers['content-type'] === undefined
              ? {}
              : { type: res.headers['content-type'] }),
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the metrics-only listener', () => {
  let dir: string;
  let d: Fleetd | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-metrics-'));
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, string>): Promise<RecordingLogger> {
    const log = new RecordingLogger();
    const config = buildConfig({
      flags: {
        machine_id_file: join(dir, 'machine-id'),
        units_directory: join(dir, 'units'),
        listen_unix: join(dir, 'fleet.sock'),
        public_ip: '127.0.0.1',
        ...extra,
      },
    }).config;
    d = await Fleetd.start(config, log, {
      registry: new InMemoryRegistry(),
      systemd: new FakeSystemd(),
    });
    return log;
  }

  it('serves GET and HEAD /metrics and nothing of the API; says where in the start-up line', async () => {
    const log = await start({ metrics_listen: '127.0.0.1:0' });
    const started = log.records.find((r) => r.msg === 'fleetd started');
    const address = started?.fields['metrics'];
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const at = String(address);
    const got = await fetchRaw(at, 'GET', '/metrics');
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(got.body).toContain('# TYPE fleet_build_info gauge');
    expect(got.body).toContain('# TYPE fleet_engine_leader gauge');
    expect(await fetchRaw(at, 'HEAD', '/metrics')).toMatchObject({ status: 200, body: '' });
    expect((await fetchRaw(at, 'GET', '/metrics?x=1')).status).toBe(200);
    for (const path of ['/fleet/v1/units', '/fleet/v1/machines', '/health', '/', '/metrics/x'])
      expect((await fetchRaw(at, 'GET', path)).status, path).toBe(404);
    expect(await fetchRaw(at, 'POST', '/metrics')).toMatchObject({
      status: 405,
      allow: 'GET, HEAD',
    });
  });

  it('is not opened without the option', async () => {
    const log = await start({});
    const started = log.records.find((r) => r.msg === 'fleetd started');
    expect(started).toBeDefined();
    expect(started?.fields).not.toHaveProperty('metrics');
  });

  it('a busy address: FLEETD_LISTEN, one line naming the option', async () => {
    const log = await start({ metrics_listen: '127.0.0.1:0' });
    const busy = String(log.records.find((r) => r.msg === 'fleetd started')?.fields['metrics']);
    const err = await Fleetd.start(
      buildConfig({
        flags: {
          machine_id_file: join(dir, 'machine-id'),
          units_directory: join(dir, 'units2'),
          listen_unix: join(dir, 'fleet2.sock'),
          public_ip: '127.0.0.1',
          metrics_listen: busy,
        },
      }).config,
      new RecordingLogger(),
      { registry: new InMemoryRegistry(), systemd: new FakeSystemd() },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FLEETD_LISTEN' });
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot serve metrics_listen=${busy.replace(/\./g, '\\.')}: .*EADDRINUSE`),
    );
  });
});
