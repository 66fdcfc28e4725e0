// Every way Fleetd.start refuses to start is a FleetdError with a stable code and one line, and
// leaves nothing open: each part it had acquired is closed, last first.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry, type Registry } from '@fleet/registry';
import { isFleetError, RecordingLogger } from '@fleet/runtime';
import { FakeSystemd, type Systemd } from '@fleet/systemd';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';
import { ConfigError, FleetdError } from './errors.js';
import { EXIT_CONFIG, startFailed } from './lifecycle.js';

const ID = 'f1ee7d00000000000000000000000002';

describe('Fleetd.start refusals', () => {
  let dir: string;
  let closed: string[];
  let registry: Registry;
  let systemd: Systemd;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-refuse-'));
    closed = [];
    const memory = new InMemoryRegistry();
    const fake = new FakeSystemd();
    registry = overriding<Registry>(memory, {
      close: async () => {
        closed.push('registry');
        await memory.close();
      },
    });
    systemd = overriding<Systemd>(fake, {
      close: async () => {
        closed.push('systemd');
        await fake.close();
      },
    });
  });
  afterEach(async () => {
    await systemd.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (flags: Record<string, string> = {}) =>
    buildConfig({
      flags: {
        units_directory: join(dir, 'units'),
        machine_id_file: join(dir, 'machine-id'),
        listen_unix: join(dir, 'fleet.sock'),
        public_ip: '127.0.0.1',
        ...flags,
      },
    }).config;

  const refusal = async (flags: Record<string, string>, parts: object): Promise<FleetdError> => {
    const err = await Fleetd.start(config(flags), new RecordingLogger(), parts).then(
      (d) => {
        void d.stop();
        return new Error('fleetd started');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FleetdError);
    expect(isFleetError(err)).toBe(true);
    expect((err as Error).message).not.toContain('\n');
    return err as FleetdError;
  };

  it('without a machine ID: FLEETD_NO_MACHINE_ID, before opening anything', async () => {
    const err = await refusal({}, { registry, systemd });
    expect(err).toMatchObject({
      code: 'FLEETD_NO_MACHINE_ID',
      message: `unable to determine local machine ID: cannot read ${join(dir, 'machine-id')}`,
    });
    expect(closed).toEqual([]);
  });

  it('with unreadable etcd TLS files: FLEETD_ETCD_TLS, and no etcd client is left behind', async () => {
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
    const err = await refusal({ etcd_cafile: join(dir, 'missing-ca.pem') }, { systemd });
    expect(err.code).toBe('FLEETD_ETCD_TLS');
    expect(err.message).toMatch(/^cannot read the etcd TLS files: ENOENT/);
    expect(closed).toEqual([]);
  });

  describe('when the API cannot listen', () => {
    let busy: Server;
    beforeEach(async () => {
      await writeFile(join(dir, 'machine-id'), `${ID}\n`);
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    });
    afterEach(async () => {
      await new Promise((resolve) => busy.close(resolve));
    });

    it('on a busy port: FLEETD_LISTEN, and closes systemd, then the registry', async () => {
      const port = (busy.address() as AddressInfo).port;
      const err = await refusal({ listen_tcp: `127.0.0.1:${port}` }, { registry, systemd });
      expect(err.code).toBe('FLEETD_LISTEN');
      expect(err.message).toMatch(/^cannot serve the API: /);
      expect(closed).toEqual(['systemd', 'registry']);
    });

    it('with unreadable TLS files: FLEETD_LISTEN too, one line, everything closed', async () => {
      const err = await refusal(
        {
          listen_tcp: '127.0.0.1:0',
          tls_cert_file: join(dir, 'missing-cert.pem'),
          tls_key_file: join(dir, 'missing-key.pem'),
          tls_ca_file: join(dir, 'missing-ca.pem'),
        },
        { registry, systemd },
      );
      expect(err.code).toBe('FLEETD_LISTEN');
      expect(err.message).toMatch(/^cannot serve the API: ENOENT/);
      expect(closed).toEqual(['systemd', 'registry']);
    });
  });
});

describe('a failed start, reported', () => {
  const report = (err: unknown) => {
    const fatal: { fields: object; msg: string }[] = [];
    const lines: string[] = [];
    const status = startFailed(
      err,
      { fatal: (fields, msg) => fatal.push({ fields, msg }) },
      { write: (line: string) => lines.push(line) },
    );
    return { status, fatal, lines };
  };

  it('logs the code and prints one line; a refused configuration exits EX_CONFIG', () => {
    const config = report(new ConfigError('invalid value for agent_ttl: "soon"'));
    expect(config).toEqual({
      status: EXIT_CONFIG,
      fatal: [
        { fields: { code: 'FLEETD_CONFIG_INVALID' }, msg: 'invalid value for agent_ttl: "soon"' },
      ],
      lines: ['fleetd: invalid value for agent_ttl: "soon"\n'],
    });
  });

  it('exits 1 for any other failure, still on one line, with no code for a bare error', () => {
    const bare = report(new Error('first line\n    at somewhere (x.js:1:1)'));
    expect(bare).toEqual({
      status: 1,
      fatal: [{ fields: {}, msg: 'first line at somewhere (x.js:1:1)' }],
      lines: ['fleetd: first line at somewhere (x.js:1:1)\n'],
    });
  });
});
