import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { editDistance, suggest } from './suggest.js';

const NAMES = CATALOG.map((c) => c.name);

describe('suggest', () => {
  it.each([
    ['lst-units', 'list-units'],
    ['list-untis', 'list-units'],
    ['stats', 'status'],
    ['strat', 'start'],
    ['destory', 'destroy'],
  ])('%s → %s', (typo, meant) => {
    expect(suggest(typo, NAMES)).toBe(meant);
  });

  it('suggests nothing for words that are not typos', () => {
    expect(suggest('frobnicate', NAMES)).toBeUndefined();
    expect(suggest('x', NAMES)).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('feilds', 'fields')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
