import { describe, expect, it } from 'vitest';
import { mangleUnitName } from './mangle.js';

describe('mangleUnitName', () => {
  it.each([
    ['web.service', 'web.service'],
    ['web', 'web.service'],
    ['units/web.service', 'web.service'],
    ['/abs/path/web.socket', 'web.socket'],
    ['dir/web.service/', 'web.service'],
    ['foo@.service', 'foo@.service'],
    ['foo@1', 'foo@1.service'],
    ['a.timer', 'a.timer'],
    ['a.path', 'a.path'],
    ['a.device', 'a.device'],
    ['a.mount', 'a.mount'],
    ['a.automount', 'a.automount'],
    // Every type the API accepts is recognised (fleet appended .service to these).
    ['a.target', 'a.target'],
    ['a.slice', 'a.slice'],
    ['a.swap', 'a.swap'],
    ['web.1', 'web.1.service'],
    ['service', 'service.service'],
    ['', '..service'],
    ['/', '/.service'],
  ])('%j -> %j', (arg, name) => {
    expect(mangleUnitName(arg)).toBe(name);
  });
});
