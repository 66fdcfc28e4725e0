import { describe, expect, it } from 'vitest';
import { splitMultiValue } from './multivalue.js';
import { splitUnitName } from './name.js';
import { substituteSpecifiers } from './specifiers.js';

describe('splitMultiValue', () => {
  it.each([
    ['plain', ['plain']],
    ['two words', ['two words']],
    ['', []],
    ['"a=b" "c=d"', ['a=b', 'c=d']],
    ['"a=b"  \t "c=d"', ['a=b', 'c=d']],
    ['"with space" "x"', ['with space', 'x']],
    ['"single"', ['single']],
    ['""', []],
    ['"a" b "c"', ['a', 'b', 'c']],
    ['"a"b"c"', ['abc']],
    ['"a=b" c', ['"a=b" c']],
    ['a "b"', ['a "b"']],
    ['"', ['"']],
  ])('%j -> %j', (value, items) => {
    expect(splitMultiValue(value)).toEqual(items);
  });
});

describe('substituteSpecifiers', () => {
  const instance = splitUnitName('web@node1.service');
  it.each([
    ['%n', 'web@node1.service'],
    ['%N', 'web@node1'],
    ['%p', 'web'],
    ['%i', 'node1'],
    ['%%', '%'],
    ['%%i', '%i'],
    ['%%%i', '%node1'],
    ['%p-%i.%n', 'web-node1.web@node1.service'],
    ['%x %', '%x %'],
    ['no specifiers', 'no specifiers'],
  ])('%j -> %j', (value, expected) => {
    expect(substituteSpecifiers(value, instance)).toBe(expected);
  });

  it('gives an empty instance for a plain unit', () => {
    expect(substituteSpecifiers('[%p|%i|%N]', splitUnitName('db.service'))).toBe('[db||db]');
  });
});
