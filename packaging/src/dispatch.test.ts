import { describe, expect, it } from 'vitest';
import { calledAs, dispatch, USAGE } from './dispatch.js';

describe('dispatch on the name the executable is called by', () => {
  it('runs fleetd or fleetctl when called by that name, with every argument', () => {
    expect(dispatch('fleetd', ['--version'])).toEqual({
      kind: 'run',
      program: 'fleetd',
      args: ['--version'],
    });
    expect(dispatch('/usr/bin/fleetctl', ['list-units', 'fleetd'])).toEqual({
      kind: 'run',
      program: 'fleetctl',
      args: ['list-units', 'fleetd'],
    });
    expect(dispatch('./fleetd', [])).toEqual({ kind: 'run', program: 'fleetd', args: [] });
  });

  it('takes the program from the first argument when called by another name', () => {
    expect(dispatch('/usr/bin/fleet', ['fleetctl', 'version'])).toEqual({
      kind: 'run',
      program: 'fleetctl',
      args: ['version'],
    });
    expect(dispatch('fleet', ['fleetd', '--config=/etc/fleet/fleet.conf'])).toEqual({
      kind: 'run',
      program: 'fleetd',
      args: ['--config=/etc/fleet/fleet.conf'],
    });
    expect(dispatch('fleet-0.1.0', ['fleetd'])).toEqual({
      kind: 'run',
      program: 'fleetd',
      args: [],
    });
  });

  it('gives the usage for no sub-command and names an unknown one', () => {
    expect(dispatch('fleet', [])).toEqual({ kind: 'usage', message: USAGE });
    const bad = dispatch('/usr/bin/fleet', ['fleetdd', 'x']);
    expect(bad.kind).toBe('usage');
    expect(bad.kind === 'usage' && bad.message).toBe(
      `fleet: unknown program "fleetdd": fleetd or fleetctl\n${USAGE}`,
    );
    // a name that only contains a program's name is not that program
    expect(dispatch('my-fleetd', ['--version']).kind).toBe('usage');
  });

  it('answers --help on stdout', () => {
    expect(dispatch('fleet', ['--help'])).toEqual({ kind: 'help', message: USAGE });
    expect(dispatch('fleet', ['-h'])).toEqual({ kind: 'help', message: USAGE });
  });

  it('calledAs is the last path component', () => {
    expect(calledAs('/usr/local/bin/fleetctl')).toBe('fleetctl');
    expect(calledAs('fleet')).toBe('fleet');
    expect(calledAs('')).toBe('');
  });
});
