import { describe, expect, it } from 'vitest';
import {
  isValidUnitName,
  parseUnitName,
  splitUnitName,
  UNIT_TYPES,
  validateUnitName,
} from './name.js';
import { thrown } from './test-support.js';

describe('validateUnitName: accepted', () => {
  it.each([
    'web.service',
    'a.b.c.socket',
    'foo@.service',
    'foo@bar.service',
    'foo@bar@baz.timer',
    'dev-sda1.device',
    'a:b_c\\x2d.mount',
    'UPPER-123.target',
    `${'a'.repeat(248)}.service`, // 256 characters
    ...UNIT_TYPES.map((type) => `x.${type}`),
    ...['path', 'service', 'socket', 'target', 'timer'].map((type) => `x@y.${type}`),
  ])('%s', (name) => {
    expect(() => validateUnitName(name)).not.toThrow();
    expect(isValidUnitName(name)).toBe(true);
  });
});

describe('validateUnitName: rejected, one rule each', () => {
  const cases: [string, string, string][] = [
    ['empty', '', 'it is empty'],
    ['too long', `${'a'.repeat(249)}.service`, '257 characters long (max 256)'],
    ['no dot', 'web', 'must end in "." and a unit type'],
    ['ends in a dot', 'web.service.', 'must not end in "."'],
    ['starts with @', '@foo.service', 'must not start with "@"'],
    ['unknown type', 'web.servce', 'unknown unit type "servce"'],
    ['type is case-sensitive', 'web.Service', 'unknown unit type "Service"'],
    ['template of a mount', 'foo@bar.mount', 'mount units cannot be templates or instances'],
    ['template of a device', 'foo@.device', 'device units cannot be templates or instances'],
    ['space', 'my web.service', 'invalid character " " at position 3'],
    ['slash', 'a/b.service', 'invalid character "/"'],
    ['percent', 'a%i.service', 'invalid character "%"'],
    ['non-ASCII', 'wéb.service', 'invalid character "é"'],
  ];
  it.each(cases)('%s', (_title, name, reason) => {
    const error = thrown(() => validateUnitName(name));
    expect(error.code).toBe('UNIT_NAME_INVALID');
    expect(error.message.startsWith(`invalid unit name ${JSON.stringify(name)}: `)).toBe(true);
    expect(error.message).toContain(reason);
    expect(isValidUnitName(name)).toBe(false);
  });
});

describe('parseUnitName', () => {
  it('splits a plain unit', () => {
    expect(parseUnitName('web.1.service')).toEqual({
      name: 'web.1.service',
      base: 'web.1',
      prefix: 'web.1',
      instance: '',
      type: 'service',
      isTemplate: false,
      isInstance: false,
      template: undefined,
    });
  });

  it('recognises a template', () => {
    expect(parseUnitName('foo@.service')).toEqual({
      name: 'foo@.service',
      base: 'foo@',
      prefix: 'foo',
      instance: '',
      type: 'service',
      isTemplate: true,
      isInstance: false,
      template: 'foo@.service',
    });
  });

  it('recognises an instance and its template', () => {
    expect(parseUnitName('foo@bar.service')).toEqual({
      name: 'foo@bar.service',
      base: 'foo@bar',
      prefix: 'foo',
      instance: 'bar',
      type: 'service',
      isTemplate: false,
      isInstance: true,
      template: 'foo@.service',
    });
  });

  it('takes the instance from the first @ to the last dot', () => {
    const info = parseUnitName('a@b@c.d.socket');
    expect(info.prefix).toBe('a');
    expect(info.instance).toBe('b@c.d');
    expect(info.template).toBe('a@.socket');
  });

  it('throws for an invalid name', () => {
    expect(thrown(() => parseUnitName('nope')).code).toBe('UNIT_NAME_INVALID');
  });

  it('splitUnitName does not validate', () => {
    expect(splitUnitName('nodot')).toMatchObject({ base: 'nodot', type: '', prefix: 'nodot' });
  });
});
