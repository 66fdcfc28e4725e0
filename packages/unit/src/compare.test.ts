import { describe, expect, it } from 'vitest';
import { compareStrings } from './index.js';

describe('compareStrings', () => {
  it('orders by code unit, never by locale: upper case before lower, digits before letters', () => {
    expect(['b', 'a', 'B', '10', '9', 'a'].sort(compareStrings)).toEqual([
      '10',
      '9',
      'B',
      'a',
      'a',
      'b',
    ]);
    expect(compareStrings('a', 'a')).toBe(0);
    expect(compareStrings('a', 'ab')).toBe(-1);
    expect(compareStrings('é', 'z')).toBe(1);
  });
});
