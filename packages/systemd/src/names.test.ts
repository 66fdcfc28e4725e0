import { describe, expect, it } from 'vitest';
import { isRecognizedUnitName, unitNameFromObjectPath, unitObjectPath } from './names.js';

describe('unit object paths', () => {
  it.each([
    ['web.service', '/org/freedesktop/systemd1/unit/web_2eservice'],
    ['web@2.service', '/org/freedesktop/systemd1/unit/web_402_2eservice'],
    ['a-b_c.socket', '/org/freedesktop/systemd1/unit/a_2db_5fc_2esocket'],
    ['1st.service', '/org/freedesktop/systemd1/unit/_31st_2eservice'],
    ['x\\x2dy.mount', '/org/freedesktop/systemd1/unit/x_5cx2dy_2emount'],
  ])('%s is %s, both ways', (name, path) => {
    expect(unitObjectPath(name)).toBe(path);
    expect(unitNameFromObjectPath(path)).toBe(name);
  });

  it.each([
    '/org/freedesktop/systemd1',
    '/org/freedesktop/systemd1/unit/',
    '/org/freedesktop/systemd1/unit/_',
    '/org/freedesktop/systemd1/unit/a/b',
    '/org/freedesktop/systemd1/unit/bad_zz',
    '/org/freedesktop/systemd1/job/42',
  ])('%s names no unit', (path) => {
    expect(unitNameFromObjectPath(path)).toBeUndefined();
  });
});

describe('recognised unit names', () => {
  it.each([
    'a.service',
    'a.socket',
    'a.timer',
    'a.path',
    'a.device',
    'a.mount',
    'a.automount',
    'a.target',
    'a.slice',
    'a.swap',
    'a.scope',
  ])('accepts %s', (name) => expect(isRecognizedUnitName(name)).toBe(true));
  it.each(['notes.txt', 'README', '.a.service.1f2e.tmp', '.fleet-1f2e3d4c.tmp', 'a.conf', ''])(
    'ignores %s',
    (name) => expect(isRecognizedUnitName(name)).toBe(false),
  );
});
