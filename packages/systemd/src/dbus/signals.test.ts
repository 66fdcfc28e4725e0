import dbus from 'dbus-next';
import { describe, expect, it } from 'vitest';
import { interpretSignal, MATCH_RULES } from './signals.js';

function signal(path: string, iface: string, member: string, signature: string, body: unknown[]) {
  return new dbus.Message({
    type: dbus.MessageType.SIGNAL,
    path,
    interface: iface,
    member,
    signature,
    body,
  });
}

const MANAGER = ['/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager'] as const;

describe('interpretSignal', () => {
  it('PropertiesChanged on a unit object hints that unit', () => {
    const msg = signal(
      '/org/freedesktop/systemd1/unit/web_2eservice',
      'org.freedesktop.DBus.Properties',
      'PropertiesChanged',
      'sa{sv}as',
      ['org.freedesktop.systemd1.Unit', {}, []],
    );
    expect(interpretSignal(msg)).toEqual({ kind: 'unit', name: 'web.service' });
  });

  it('JobRemoved hints its unit; Reloading(false) hints everything', () => {
    const job = signal(...MANAGER, 'JobRemoved', 'uoss', [
      7,
      '/org/freedesktop/systemd1/job/7',
      'web.service',
      'done',
    ]);
    expect(interpretSignal(job)).toEqual({ kind: 'unit', name: 'web.service' });
    expect(interpretSignal(signal(...MANAGER, 'Reloading', 'b', [false]))).toEqual({ kind: 'all' });
    expect(interpretSignal(signal(...MANAGER, 'Reloading', 'b', [true]))).toEqual({ kind: 'none' });
  });

  it('UnitRemoved is a conditional hint, and UnitNew none (reads would echo it)', () => {
    const path = '/org/freedesktop/systemd1/unit/web_2eservice';
    expect(interpretSignal(signal(...MANAGER, 'UnitRemoved', 'so', ['web.service', path]))).toEqual(
      { kind: 'unit-removed', name: 'web.service' },
    );
    expect(interpretSignal(signal(...MANAGER, 'UnitNew', 'so', ['web.service', path]))).toEqual({
      kind: 'none',
    });
  });

  it('ignores other signals', () => {
    const other = signal('/org/example', 'org.example.Thing', 'Changed', '', []);
    expect(interpretSignal(other)).toEqual({ kind: 'none' });
  });

  it('needs two match rules in all', () => {
    expect(MATCH_RULES).toHaveLength(2);
    expect(MATCH_RULES[0]).toContain("path_namespace='/org/freedesktop/systemd1/unit'");
  });
});
