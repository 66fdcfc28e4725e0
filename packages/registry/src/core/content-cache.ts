// Unit contents are immutable per hash, so a bounded cache of them is always correct.
import type { UnitOption } from '@fleet/unit';

/** A small LRU map from hash to unit options. */
export class ContentCache {
  private readonly map = new Map<string, readonly UnitOption[]>();

  constructor(private readonly maxEntries: number) {}

  get(hash: string): readonly UnitOption[] | undefined {
    const v = this.map.get(hash);
    if (v !== undefined) {
      this.map.delete(hash);
      this.map.set(hash, v);
    }
    return v;
  }

  set(hash: string, options: readonly UnitOption[]): void {
    this.map.delete(hash);
    this.map.set(hash, options);
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.map.delete(oldest.value);
    }
  }
}
