import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { InMemoryRegistry, LeaseExpiredError, SessionLostError } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from './config.js';
import { Fleetd, SHUTDOWN_TIMEOUT_MS } from './daemon.js';
import { etcdCredentials } from './start-files.js';
import { heartbeatFailed } from './monitor.js';

describe('fleetd start-up checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-start-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a units directory that is a symlink to one systemd loads from, touching nothing', async () => {
    await symlink('/', join(dir, 'units'));
    const registry = new InMemoryRegistry();
    const log = new RecordingLogger();
    const config = buildConfig({
      flags: {
        units_directory: join(dir, 'units'),
        machine_id_file: join(dir, 'machine-id'),
        listen_unix: join(dir, 'fleet.sock'),
      },
    }).config;
    const err = await Fleetd.start(config, log, { registry, systemd: new FakeSystemd() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `invalid value for units_directory: "${join(dir, 'units')} -> /" (it is the root directory; fleet stops and deletes every unit file in its units directory that is not assigned to this machine)`,
    );
    expect((await registry.listMachines()).items).toEqual([]);
  });

  it("uses a client certificate without etcd_cafile, checking etcd against the system's CAs", async () => {
    await writeFile(join(dir, 'c.pem'), 'CERT');
    await writeFile(join(dir, 'k.pem'), 'KEY');
    const config = buildConfig({
      flags: { etcd_certfile: join(dir, 'c.pem'), etcd_keyfile: join(dir, 'k.pem') },
    }).config;
    const { credentials } = await etcdCredentials(config);
    expect(credentials?.certChain?.toString()).toBe('CERT');
    expect(credentials?.privateKey?.toString()).toBe('KEY');
    expect(credentials?.rootCertificate.toString()).toBe(rootCertificates.join('\n'));
  });

  it('gives up on a stuck shutdown before systemd would kill it (TimeoutStopSec)', async () => {
    const unit = await readFile(
      fileURLToPath(new URL('../../../units/fleet.service', import.meta.url)),
      'utf8',
    );
    const m = /^TimeoutStopSec=(\d+)s?$/m.exec(unit);
    expect(m).not.toBeNull();
    expect(SHUTDOWN_TIMEOUT_MS).toBeLessThan(Number(m?.[1]) * 1000);
  });
});

describe("fleet's monitor line", () => {
  it('is for a session lost to its heartbeat, not for one fleetd closed or released', () => {
    const id = 'm1';
    expect(heartbeatFailed(new SessionLostError(id, { cause: new LeaseExpiredError(5n) }))).toBe(
      true,
    );
    expect(heartbeatFailed(new SessionLostError(id, { cause: new SessionLostError(id) }))).toBe(
      true,
    );
    for (const why of ['closed', 'released', 'the registry was closed'])
      expect(heartbeatFailed(new SessionLostError(id, { cause: why }))).toBe(false);
    expect(heartbeatFailed(new Error('other'))).toBe(false);
  });
});
