import { describe, expect, it } from 'vitest';
import { resolveBusAddress, SYSTEM_BUS_ADDRESS } from './address.js';

const env = (vars: Record<string, string>) => ({ env: vars, uid: 1000 });

describe('resolveBusAddress', () => {
  it('uses an explicit address for either bus', () => {
    expect(resolveBusAddress('system', 'unix:path=/x', env({}))).toBe('unix:path=/x');
    expect(resolveBusAddress('user', 'unix:path=/x', env({}))).toBe('unix:path=/x');
  });

  it('takes the system bus from DBUS_SYSTEM_BUS_ADDRESS, else the standard socket', () => {
    const vars = { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/s' };
    expect(resolveBusAddress('system', undefined, env(vars))).toBe('unix:path=/s');
    expect(resolveBusAddress('system', undefined, env({}))).toBe(SYSTEM_BUS_ADDRESS);
    expect(resolveBusAddress('system', '', env({}))).toBe(SYSTEM_BUS_ADDRESS);
  });

  it('takes the user bus from DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR or the uid', () => {
    const session = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/u', XDG_RUNTIME_DIR: '/r' };
    expect(resolveBusAddress('user', undefined, env(session))).toBe('unix:path=/u');
    expect(resolveBusAddress('user', undefined, env({ XDG_RUNTIME_DIR: '/r' }))).toBe(
      'unix:path=/r/bus',
    );
    expect(resolveBusAddress('user', undefined, env({}))).toBe('unix:path=/run/user/1000/bus');
  });
});
