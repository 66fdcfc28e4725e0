// The real fleetd process refusing to start: exit status, one line on stderr, and the code in the
// log. (In-process refusals, and the resource stack's closing order: start-failures.test.ts.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTracked, type TrackedProcess } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('fleetd that cannot start', () => {
  let dir: string;
  let proc: TrackedProcess | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-refusals-'));
    await writeFile(join(dir, 'machine-id'), 'f1ee7d00000000000000000000000003\n');
  });
  afterEach(async () => {
    await proc?.stop();
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs fleetd to its exit; its stdout log lines (JSON) and its stderr lines. */
  async function run(env: Record<string, string>, ...flags: string[]) {
    const p = spawnTracked(
      'fleetd',
      process.execPath,
      [
        MAIN,
        `--machine_id_file=${join(dir, 'machine-id')}`,
        `--units_directory=${join(dir, 'units')}`,
        `--listen_unix=${join(dir, 'fleet.sock')}`,
        '--etcd_servers=http://127.0.0.1:1',
        '--public_ip=127.0.0.1',
        ...flags,
      ],
      { env: { PATH: process.env.PATH ?? '', ...env } },
    );
    proc = p;
    const out: string[] = [];
    const err: string[] = [];
    p.child.stdout?.on('data', (b: Buffer) => out.push(b.toString('utf8')));
    p.child.stderr?.on('data', (b: Buffer) => err.push(b.toString('utf8')));
    const { code } = await p.exited;
    const log = out
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, log, stderr: err.join('') };
  }

  it('without a system bus: FLEETD_NO_DBUS in the log, one line on stderr, exit 1', async () => {
    const res = await run({ DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus')}` });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^fleetd: cannot reach systemd over D-Bus: [^\n]+\n$/);
    const fatal = res.log.filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: 'FLEETD_NO_DBUS' });
    expect(`fleetd: ${String(fatal[0]?.msg)}\n`).toBe(res.stderr);
  });

  it('with a units directory that is systemd’s: FLEETD_CONFIG_INVALID, exit 78', async () => {
    const res = await run({}, '--units_directory=/etc/systemd/system');
    expect(res.code).toBe(78);
    expect(res.stderr).toMatch(/^fleetd: invalid value for units_directory: [^\n]+\n$/);
  });

  it('with a plain TCP listener on every interface: one line naming the options, exit 78', async () => {
    const res = await run({}, '--listen_tcp=:49153');
    expect(res.code).toBe(78);
    expect(res.stderr).toBe(
      'fleetd: listen_tcp=:49153 would serve the API without authentication beyond loopback: set tls_cert_file, tls_key_file and tls_ca_file (clients then need certificates), or insecure_listen_tcp=true\n',
    );
  });
});
