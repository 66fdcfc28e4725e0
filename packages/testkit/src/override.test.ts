import { describe, expect, it } from 'vitest';
import { overriding } from './override.js';

class Counter {
  n = 0;
  bump(): number {
    return ++this.n;
  }
  twice(): number {
    this.bump();
    return this.bump();
  }
}

describe('overriding', () => {
  it('replaces the given methods and runs the others on the target itself', () => {
    const c = new Counter();
    const o = overriding(c, { bump: () => -1 });
    expect(o.bump()).toBe(-1);
    expect(o.twice()).toBe(2); // the target's own calls reach its own bump
    expect(c.n).toBe(2);
    expect(o.n).toBe(2);
  });
});
