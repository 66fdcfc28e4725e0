// Unit contents are immutable per hash, so a bounded cache of them is always correct.
import type { UnitOption } from '@fleet/unit';

/** Default budget of the registry's content cache: 64 MiB of (estimated) option text. */
export const DEFAULT_CONTENT_CACHE_BYTES = 64 * 1024 * 1024;

/** Fixed cost counted per option (the object and its three string headers), in bytes. */
const OPTION_OVERHEAD = 64;

/** Estimated heap bytes of `options`: UTF-16 text plus a fixed cost per option. */
export function optionsBytes(options: readonly UnitOption[]): number {
  let n = 0;
  for (const o of options)
    n += OPTION_OVERHEAD + 2 * (o.section.length + o.name.length + o.value.length);
  return n;
}

/**
 * An LRU map from hash to unit options, bounded by the estimated bytes it holds (not by entries:
 * a unit may be up to 1.5 MiB, so 16k entries could be GiBs). Contents larger than the whole
 * budget are not kept.
 */
export class ContentCache {
  private readonly map = new Map<string, { options: readonly UnitOption[]; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number = DEFAULT_CONTENT_CACHE_BYTES) {}

  get(hash: string): readonly UnitOption[] | undefined {
    const v = this.map.get(hash);
    if (v === undefined) return undefined;
    this.map.delete(hash);
    this.map.set(hash, v);
    return v.options;
  }

  set(hash: string, options: readonly UnitOption[]): void {
    this.delete(hash);
    const bytes = optionsBytes(options);
    if (bytes > this.maxBytes) return;
    this.map.set(hash, { options, bytes });
    this.total += bytes;
    while (this.total > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  /** Estimated bytes held (never above the budget). */
  get bytes(): number {
    return this.total;
  }

  /** Entries held. */
  get size(): number {
    return this.map.size;
  }

  private delete(hash: string): void {
    const v = this.map.get(hash);
    if (v === undefined) return;
    this.map.delete(hash);
    this.total -= v.bytes;
  }
}
