// A seeded PRNG (mulberry32), so a chaos run's choices replay from its seed.

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.next() * xs.length)];
    if (x === undefined) throw new RangeError('pick from an empty list');
    return x;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A fresh seed from the wall clock, for a run that was not given one. */
export const freshSeed = (): number => (Date.now() ^ (process.pid << 16)) >>> 0;
