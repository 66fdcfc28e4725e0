import { describe, expect, it } from 'vitest';
import { DESIRED_STATES, isDesiredState } from './desired-state.js';

describe('DesiredState', () => {
  it('lists fleet target states in order', () => {
    expect(DESIRED_STATES).toEqual(['inactive', 'loaded', 'launched']);
    expect(Object.isFrozen(DESIRED_STATES)).toBe(true);
  });

  it.each([
    ['inactive', true],
    ['loaded', true],
    ['launched', true],
    ['Launched', false],
    ['none', false],
    ['', false],
    [undefined, false],
    [1, false],
  ])('isDesiredState(%j) is %s', (x, expected) => {
    expect(isDesiredState(x)).toBe(expected);
  });
});
