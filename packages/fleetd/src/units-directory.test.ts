import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from './config.js';
import { unitsDirectoryProblem } from './units-directory.js';

describe('units_directory (fleet stops and deletes every unit file there)', () => {
  it.each([
    '/',
    '//',
    '/etc/systemd/system',
    '/etc/systemd/system/',
    '/etc/systemd//system/.',
    '/run/systemd/system',
    '/lib/systemd/system',
    '/usr/lib/systemd/system',
    '/usr/local/lib/systemd/system',
    '/etc/systemd/user',
    '/run/systemd/transient',
    '/etc/systemd/system/multi-user.target.wants',
    '/etc/systemd/system/sshd.service.d/',
    '/run/systemd/system/fleet.service.d',
    '/usr/lib/systemd/system/sockets.target.requires',
    '/home/core/.config/systemd/user',
    '/run/fleet/../systemd/system',
  ])('refuses %s at start-up with one line', (dir) => {
    expect(unitsDirectoryProblem(dir)).toBeDefined();
    let caught: unknown;
    try {
      buildConfig({ flags: { units_directory: dir } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const msg = (caught as Error).message;
    expect(msg).toMatch(/^invalid value for units_directory: ".*" \(.*fleet stops and deletes/);
    expect(msg).not.toContain('\n');
  });

  it.each([
    '/run/fleet/units/',
    '/run/fleet/units',
    '/var/lib/fleet/units',
    '/etc/systemd/system/fleet', // systemd does not read arbitrary subdirectories
    '/run/systemd/fleet-units',
  ])('accepts %s', (dir) => {
    expect(unitsDirectoryProblem(dir)).toBeUndefined();
    expect(buildConfig({ flags: { units_directory: dir } }).config.unitsDirectory).toBe(dir);
  });
});
