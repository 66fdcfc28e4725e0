// Listings behind fleet's stateless pagination. A page token only says "page N", so without help
// every page re-reads the whole collection and listing all pages costs pages × listing. Here the
// first page always reads afresh and its listing is kept; later pages are cut from the newest
// listing of the same collection (and filter) while it is being read or for `maxAgeMs` after.
// The page-token format, page contents and order are unchanged.
import type { Clock } from '@fleet/runtime';

/** Default of `ApiOptions.listingMaxAgeMs`: how long a listing serves later pages. */
export const DEFAULT_LISTING_MAX_AGE_MS = 5_000;

/** Listings kept at most (one per collection and filter; the oldest goes first). */
const MAX_ENTRIES = 32;

/**
 * Items kept at most across all listings (the oldest go first): about three complete `units`
 * listings of a 10,000-unit cluster (units plus their assignments and states), tens of MB rather
 * than the hundreds that 32 full listings could pin. A single listing larger than this is still
 * kept, alone, for the walk that read it.
 */
export const MAX_LISTING_ITEMS = 100_000;

interface Entry {
  readonly items: Promise<unknown>;
  /** When the read finished (clock ms); `undefined` while it is in flight. */
  readAt: number | undefined;
  /** Items the listing holds (see {@link countItems}); 0 while in flight. */
  size: number;
  cancelExpiry: (() => void) | undefined;
}

/**
 * How many items a listing holds: an array's or a map's elements, or, for an object of several
 * collections (the units listing with its assignments and states), the sum of theirs.
 */
export function countItems(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (typeof value === 'object' && value !== null) {
    let n = 0;
    for (const v of Object.values(value)) {
      if (Array.isArray(v)) n += v.length;
      else if (v instanceof Map || v instanceof Set) n += v.size;
      else n += 1;
    }
    return n;
  }
  return 1;
}

/**
 * The newest listing of each collection, for the pages after the first.
 *
 * - `fresh` (page 1, and any request without a page token) always reads, and the result becomes
 *   the listing its key serves. So every later page of a walk that began at page 1 is cut from a
 *   listing read no earlier than that page 1: never staler than the walk itself.
 * - A later page uses the key's listing while it is being read (concurrent pages share one read)
 *   or for `maxAgeMs` after the read finished; else it reads, exactly as a stateless server would.
 * - A failed read is not kept. `invalidate()` drops everything (the API calls it after its own
 *   writes). `maxAgeMs` 0 turns the cache off: every page reads, as fleet did.
 */
export class ListingCache {
  private readonly entries = new Map<string, Entry>();
  private totalItems = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: Clock,
    private readonly maxItems = MAX_LISTING_ITEMS,
  ) {}

  /**
   * The listing `key` names, read with `read` or reused as described on the class.
   * @param fresh - true for a first page: never reuse, always read
   * @param joinInFlight - a first page that may share a read of `key` already under way (it began
   *   after this API's last write, which drops every listing): the `?names=` pieces a client
   *   sends at once, which would otherwise each read the whole collection
   */
  async get<T>(
    key: string,
    fresh: boolean,
    read: () => Promise<T>,
    joinInFlight = false,
  ): Promise<T> {
    if (this.maxAgeMs <= 0) return read();
    const kept = this.entries.get(key);
    if (!fresh && kept !== undefined && this.usable(kept)) return kept.items as Promise<T>;
    if (joinInFlight && kept !== undefined && kept.readAt === undefined) {
      return kept.items as Promise<T>;
    }

    // The request that starts a read awaits it below, so a failed read is never unhandled.
    const entry: Entry = {
      items: (async () => read())(),
      readAt: undefined,
      size: 0,
      cancelExpiry: undefined,
    };
    this.drop(key);
    this.entries.set(key, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.drop(oldest.value);
    }
    try {
      const items = (await entry.items) as T;
      if (this.entries.get(key) === entry) {
        entry.readAt = this.clock.monotonic();
        entry.size = countItems(items);
        this.totalItems += entry.size;
        entry.cancelExpiry = this.clock.setTimer(this.maxAgeMs, () => {
          if (this.entries.get(key) === entry) this.drop(key);
        });
        this.trim(key);
      }
      return items;
    } catch (err) {
      if (this.entries.get(key) === entry) this.drop(key);
      throw err;
    }
  }

  /**
   * Runs a write made through the API, then forgets every listing (even if the write failed: it
   * may have been applied), so the next page of any collection reads afresh and shows it.
   */
  async afterWrite<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.invalidate();
    }
  }

  /** Forgets every listing: the next page of any collection reads afresh. */
  invalidate(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  /** How many listings are kept (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** How many items the kept listings hold in all (for tests). */
  get items(): number {
    return this.totalItems;
  }

  /** Drops the oldest listings, except `keep`, until the items fit the budget. */
  private trim(keep: string): void {
    for (const key of [...this.entries.keys()]) {
      if (this.totalItems <= this.maxItems) return;
      if (key !== keep) this.drop(key);
    }
  }

  private usable(e: Entry): boolean {
    return e.readAt === undefined || this.clock.monotonic() - e.readAt <= this.maxAgeMs;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    e.cancelExpiry?.();
    this.totalItems -= e.size;
    this.entries.delete(key);
  }
}
