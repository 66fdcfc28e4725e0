import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  control,
  debianVersion,
  installText,
  packagedUnit,
  POSTINST,
  POSTRM,
  PRERM,
  UNIT_FILES,
} from './deb.js';

const UNITS = new URL('../../units/', import.meta.url);
const unitText = (name: string) => readFileSync(new URL(name, UNITS), 'utf8');

describe('units for the package', () => {
  it("points fleet.service's one ExecStart at /usr/bin/fleetd and changes nothing else", () => {
    const text = unitText('fleet.service');
    const out = packagedUnit('fleet.service', text);
    const execs = out.split('\n').filter((l) => l.startsWith('ExecStart='));
    expect(execs).toEqual(['ExecStart=/usr/bin/fleetd']);
    expect(out).not.toContain('/opt/fleet');
    const kept = (t: string) =>
      t.split('\n').filter((l) => !l.includes('/opt/fleet') && !l.startsWith('ExecStart='));
    expect(kept(out)).toEqual(kept(text));
  });

  it('keeps the arguments of ExecStart', () => {
    const out = packagedUnit('fleet.service', '[Service]\nExecStart=/opt/fleet/bin/fleetd -a b\n');
    expect(out).toBe('[Service]\nExecStart=/usr/bin/fleetd -a b\n');
  });

  it('refuses a fleet.service without exactly one ExecStart=/opt/fleet/bin/fleetd', () => {
    expect(() => packagedUnit('fleet.service', '[Service]\nExecStart=/usr/bin/x\n')).toThrow(
      'units/fleet.service: expected exactly one "ExecStart=/opt/fleet/bin/fleetd" line, found 0',
    );
    const two = '[Service]\nExecStart=/opt/fleet/bin/fleetd\nExecStart=/opt/fleet/bin/fleetd -x\n';
    expect(() => packagedUnit('fleet.service', two)).toThrow('found 2');
  });

  it("moves fleet's programs in other lines too, and refuses any other /opt/fleet path", () => {
    const stop = '[Service]\nExecStart=/opt/fleet/bin/fleetd\nExecStop=/opt/fleet/bin/fleetctl x\n';
    expect(packagedUnit('fleet.service', stop)).toBe(
      '[Service]\nExecStart=/usr/bin/fleetd\nExecStop=/usr/bin/fleetctl x\n',
    );
    const text = '[Service]\nExecStart=/opt/fleet/bin/fleetd\nExecReload=/opt/fleet/bin/x\n';
    expect(() => packagedUnit('fleet.service', text)).toThrow(
      "units/fleet.service: names /opt/fleet outside fleet's programs: ExecReload=/opt/fleet/bin/x",
    );
    const dist = '[Service]\nExecStart=/opt/fleet/bin/fleetd\nExecStop=/opt/fleet/bin/fleetdx\n';
    expect(() => packagedUnit('fleet.service', dist)).toThrow('ExecStop=/opt/fleet/bin/fleetdx');
  });

  it('takes the sockets as they are', () => {
    for (const name of UNIT_FILES.filter((u) => u.endsWith('.socket'))) {
      expect(packagedUnit(name, unitText(name))).toBe(unitText(name));
    }
  });
});

describe('control', () => {
  it('has the version, amd64 and depends on systemd and dbus only', () => {
    const text = control({ version: '1.2.3', installedSizeKiB: 42 });
    const fields = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Z]/.test(l))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    );
    expect(fields).toMatchObject({
      Package: 'fleet',
      Version: '1.2.3',
      Architecture: 'amd64',
      'Installed-Size': '42',
      Depends: 'systemd, dbus',
    });
    expect(text.endsWith('\n')).toBe(true);
  });

  it('turns npm versions into Debian ones and refuses others', () => {
    expect(debianVersion('0.1.0')).toBe('0.1.0');
    expect(debianVersion('1.0.0-rc.1')).toBe('1.0.0~rc.1');
    expect(() => debianVersion('1.0')).toThrow('is not x.y.z[-pre]');
    expect(installText('0.1.0')).toContain('systemctl enable --now fleet.socket fleet.service');
  });
});

describe('maintainer scripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-deb-scripts-'));
    // systemctl, getent and groupadd that only log their arguments; getent finds no group.
    for (const [cmd, exit] of [
      ['systemctl', 0],
      ['getent', 2],
      ['groupadd', 0],
    ] as const) {
      writeFileSync(join(dir, cmd), `#!/bin/sh\necho "${cmd} $*" >> "${dir}/log"\nexit ${exit}\n`);
      chmodSync(join(dir, cmd), 0o755);
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `script` as if systemd were running (or not), returns the commands it ran. */
  function runScript(script: string, args: string[], systemd = true, root = dir): string[] {
    const text = script.replace('[ -d /run/systemd/system ]', systemd ? 'true' : 'false');
    const body = text.replaceAll('/etc/', `${root}/etc/`);
    const res = spawnSync('sh', ['-c', body, 'script', ...args], {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(0);
    let log = '';
    try {
      log = readFileSync(join(dir, 'log'), 'utf8');
    } catch {
      // nothing ran
    }
    rmSync(join(dir, 'log'), { force: true });
    return log.split('\n').filter((l) => l !== '');
  }

  it('postinst: a first install adds the read group and reloads, enables or starts nothing', () => {
    expect(runScript(POSTINST, ['configure', ''])).toEqual([
      'getent group fleet-read',
      'groupadd --system fleet-read',
      'systemctl daemon-reload',
    ]);
  });

  it('postinst: an upgrade reloads and try-restarts fleet.service', () => {
    expect(runScript(POSTINST, ['configure', '0.0.9']).slice(2)).toEqual([
      'systemctl daemon-reload',
      'systemctl try-restart fleet.service',
    ]);
    // without systemd (a chroot, an image build) nothing is asked of it
    expect(runScript(POSTINST, ['configure', '0.0.9'], false)).toEqual([
      'getent group fleet-read',
      'groupadd --system fleet-read',
    ]);
  });

  it('prerm: removal stops the sockets, then fleet (its drain); an upgrade stops nothing', () => {
    expect(runScript(PRERM, ['remove'])).toEqual([
      'systemctl stop fleet.socket fleet-read.socket fleet-tcp.socket',
      'systemctl stop fleet.service',
    ]);
    expect(runScript(PRERM, ['upgrade', '0.2.0'])).toEqual([]);
  });

  it('postrm: purge removes /etc/fleet; remove keeps it', () => {
    const etc = join(dir, 'etc/fleet');
    spawnSync('mkdir', ['-p', etc]);
    writeFileSync(join(etc, 'fleet.conf'), 'etcd_servers=http://127.0.0.1:2379\n');
    expect(runScript(POSTRM, ['remove'])).toEqual(['systemctl daemon-reload']);
    expect(readFileSync(join(etc, 'fleet.conf'), 'utf8')).toContain('etcd_servers');
    expect(runScript(POSTRM, ['purge'])).toEqual(['systemctl daemon-reload']);
    expect(() => readFileSync(join(etc, 'fleet.conf'))).toThrow();
  });
});
