// `npm run package` for real (into a temporary directory), then the executable it made: by its
// sub-commands and through fleetd and fleetctl links, and its fleetd as far as a host without
// systemd lets it go. (Registering in etcd and running units needs systemd: that is
// e2e/deb-install.e2e.test.ts, which installs the .deb in a machine without Node.js.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage, ROOT, type PackageResult } from './build.js';
import { USAGE } from './dispatch.js';

const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

describe('npm run package', () => {
  let out: string;
  let links: string;
  let pkg: PackageResult;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'fleet-package-'));
    links = mkdtempSync(join(tmpdir(), 'fleet-links-'));
    pkg = await buildPackage({ out });
    symlinkSync(pkg.executable, join(links, 'fleetd'));
    symlinkSync(pkg.executable, join(links, 'fleetctl'));
  }, 600_000);

  afterAll(() => {
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
    if (links !== undefined) rmSync(links, { recursive: true, force: true });
  });

  /** Runs `file` (by path or, with `path`, by name on that PATH only). */
  const exec = (file: string, args: string[], path?: string) => {
    const r = spawnSync(file, args, {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: path ?? '/usr/bin:/bin', HOME: '/nonexistent' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('makes the executable, the .deb, the tarball and their checksums', () => {
    expect(statSync(pkg.executable).mode & 0o111).not.toBe(0);
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.split('\n').filter((l) => l.endsWith(': OK'))).toHaveLength(3);
    const tar = exec('tar', ['-tzf', pkg.tarball]).stdout.split('\n').sort();
    const dir = `fleet-${VERSION}-linux-x64/`;
    expect(tar).toEqual(
      expect.arrayContaining([`${dir}fleet`, `${dir}INSTALL`, `${dir}units/fleet.service`]),
    );
    const info = exec('dpkg-deb', ['-f', pkg.deb, 'Package', 'Version', 'Architecture', 'Depends']);
    expect(info.stdout).toBe(
      `Package: fleet\nVersion: ${VERSION}\nArchitecture: amd64\nDepends: systemd, dbus\n`,
    );
    const files = exec('dpkg-deb', ['-c', pkg.deb]).stdout;
    expect(files).toMatch(/^lrwxrwxrwx root\/root .* \.\/usr\/bin\/fleetd -> fleet$/m);
    expect(files).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/bin\/fleet$/m);
    expect(files).toMatch(/ \.\/usr\/lib\/systemd\/system\/fleet\.socket$/m);
  });

  it('answers as fleetctl and fleetd by sub-command and by the name of a link', () => {
    expect(exec(pkg.executable, ['fleetctl', 'version'])).toEqual({
      code: 0,
      stdout: `fleetctl version ${VERSION}\n`,
      stderr: '',
    });
    expect(exec(pkg.executable, ['fleetd', '--version']).stdout).toBe(
      `fleetd version ${VERSION}\n`,
    );
    expect(exec('fleetd', ['--version'], links).stdout).toBe(`fleetd version ${VERSION}\n`);
    expect(exec(join(links, 'fleetctl'), ['version']).stdout).toBe(`fleetctl version ${VERSION}\n`);
    // fleetctl's parser (yargs, bundled) and its help
    const help = exec('fleetctl', ['help'], links);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('list-machines');
    const bad = exec('fleetctl', ['list-unitz'], links);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Did you mean "list-units"?');
  });

  it('without a program, or with an unknown one: the usage on stderr, exit 2', () => {
    expect(exec(pkg.executable, [])).toEqual({ code: 2, stdout: '', stderr: USAGE });
    const bad = exec(pkg.executable, ['fleetdd']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`fleet: unknown program "fleetdd": fleetd or fleetctl\n${USAGE}`);
  });

  it("loads ssh2 under the executable's node flags (no WebAssembly there): --tunnel fails in one line", () => {
    // Port 1 on loopback refuses: ssh2 is loaded, its crypto initialised, then the connect fails.
    // Without packaging's ssh2 rewrites this died with "WebAssembly is not defined" (a stack).
    const r = exec(pkg.executable, ['fleetctl', '--tunnel', '127.0.0.1:1', 'list-machines']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Unable to initialize client: failed initializing SSH tunnel: cannot connect to ' +
        '127.0.0.1:1 over SSH: connect ECONNREFUSED 127.0.0.1:1\n',
    });
  });

  it('runs fleetd as far as a host without systemd lets it: etcd3 loaded, then no D-Bus', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-exe-fleetd-'));
    try {
      writeFileSync(join(dir, 'machine-id'), 'f1ee7d00000000000000000000000042\n');
      const r = spawnSync(
        join(links, 'fleetd'),
        [
          '--etcd_servers=http://127.0.0.1:1',
          '--public_ip=127.0.0.1',
          `--units_directory=${join(dir, 'units')}`,
          `--listen_unix=${join(dir, 'fleet.sock')}`,
          `--machine_id_file=${join(dir, 'machine-id')}`,
        ],
        {
          encoding: 'utf8',
          timeout: 30_000,
          env: { PATH: '/usr/bin:/bin', DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${dir}/no-bus` },
        },
      );
      expect(r.stderr).toMatch(/^fleetd: cannot reach systemd over D-Bus: [^\n]+\n$/);
      expect(r.status).toBe(1);
      const log = r.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { level: string; code?: string });
      expect(log.filter((l) => l.level === 'fatal')).toEqual([
        expect.objectContaining({ code: 'FLEETD_NO_DBUS' }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
