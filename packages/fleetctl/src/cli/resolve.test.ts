import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { globalDefaults } from './globals.js';
import { commandIndex, resolveCommand } from './resolve.js';

const NAMES = CATALOG.map((c) => c.name);

describe('commandIndex', () => {
  it.each<[string[], number]>([
    [['list-units'], 0],
    [['--endpoint', 'unix:///x', 'list-units'], 2],
    [['--endpoint=unix:///x', 'list-units'], 1],
    [['-i', 'key', '--debug', 'ssh'], 3],
    [['--strict-host-key-checking', 'false', 'ssh'], 2],
    [['--debug', 'true', 'start', 'x'], 2],
    [['--debug'], -1],
    [['--', 'start'], -1],
    [[], -1],
  ])('%j → %d', (argv, index) => {
    expect(commandIndex(argv)).toBe(index);
  });
});

describe('resolveCommand', () => {
  it('takes exact names and unambiguous prefixes', () => {
    expect(resolveCommand('list-m', NAMES)).toBe('list-machines');
    expect(resolveCommand('list-units', NAMES)).toBe('list-units');
    expect(resolveCommand('ssh', NAMES)).toBe('ssh');
    expect(resolveCommand('des', NAMES)).toBe('destroy');
    expect(resolveCommand('star', NAMES)).toBe('start');
  });

  it('refuses ambiguous and unknown words', () => {
    expect(() => resolveCommand('list', NAMES)).toThrow(/ambiguous command "list"/);
    expect(() => resolveCommand('s', NAMES)).toThrow(/ssh, start, status, stop, submit/);
    expect(() => resolveCommand('frobnicate', NAMES)).toThrow(/unknown command "frobnicate"/);
  });
});

describe('globalDefaults', () => {
  it('uses FLEETCTL_* values over defaults and ignores empty ones', () => {
    const d = globalDefaults({
      FLEETCTL_TUNNEL: 'bastion:2222',
      FLEETCTL_STRICT_HOST_KEY_CHECKING: 'F',
      FLEETCTL_SSH_TIMEOUT: '2.5',
      FLEETCTL_SSH_USERNAME: '',
    });
    expect(d).toMatchObject({
      tunnel: 'bastion:2222',
      'strict-host-key-checking': false,
      'ssh-timeout': 2.5,
      'ssh-username': 'core',
      endpoint: 'unix:///run/fleet.sock',
    });
  });
});
