import { describe, expect, it } from 'vitest';
import { activatedSockets, activationFds } from './activation.js';

describe('activationFds', () => {
  it('returns fds 3..3+N-1 when LISTEN_PID is this process, and unsets the variables', () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_PID: '42',
      LISTEN_FDS: '2',
      LISTEN_FDNAMES: 'a:b',
      OTHER: 'x',
    };
    expect(activationFds({ env, pid: 42 })).toEqual([3, 4]);
    expect(env).toEqual({ OTHER: 'x' });
  });

  it('can leave the variables in place', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '42', LISTEN_FDS: '1' };
    expect(activationFds({ env, pid: 42, unsetEnv: false })).toEqual([3]);
    expect(env).toEqual({ LISTEN_PID: '42', LISTEN_FDS: '1' });
  });

  it.each([
    ['no variables', {}],
    ['another process', { LISTEN_PID: '41', LISTEN_FDS: '1' }],
    ['no LISTEN_PID', { LISTEN_FDS: '1' }],
    ['zero fds', { LISTEN_PID: '42', LISTEN_FDS: '0' }],
    ['garbage count', { LISTEN_PID: '42', LISTEN_FDS: 'two' }],
    ['negative count', { LISTEN_PID: '42', LISTEN_FDS: '-1' }],
    ['garbage pid', { LISTEN_PID: '42abc', LISTEN_FDS: '1' }],
  ])('ignores %s', (_what, env: NodeJS.ProcessEnv) => {
    expect(activationFds({ env: { ...env }, pid: 42 })).toEqual([]);
  });

  it('names each socket by LISTEN_FDNAMES (FileDescriptorName=), unknown when none is given', () => {
    const env: NodeJS.ProcessEnv = {
      LISTEN_PID: '42',
      LISTEN_FDS: '3',
      LISTEN_FDNAMES: 'fleet.socket:read',
    };
    expect(activatedSockets({ env, pid: 42 })).toEqual([
      { fd: 3, name: 'fleet.socket' },
      { fd: 4, name: 'read' },
      { fd: 5, name: 'unknown' },
    ]);
  });
});
