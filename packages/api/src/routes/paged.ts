// The shape every paged collection route shares: the requested page, the kept listing (read
// afresh for page 1), the page cut from it, and `{ <field>: [...], nextPageToken? }`.
import { jsonReply, type Reply } from '../http/reply.js';
import { paginate, requestedPage } from '../pagination.js';
import type { RouteDeps } from '../route.js';

/** The field of a page type that holds its items: `units` of UnitPage. */
export type ItemField<P> = Exclude<keyof P, 'nextPageToken'> & string;

/** One paged collection: how to read it, where its items are, and how each is shown. */
export interface PagedCollection<L, T, W, F extends string> {
  /** The listing cache's key: one per collection (and per filter). */
  readonly key: string;
  /**
   * A first page may share a read of `key` already under way (requests with `?names=`: a client
   * sends its pieces at once; each takes its own units from one listing).
   */
  readonly joinInFlight?: boolean;
  /** Reads the whole collection (for page 1, and when no kept listing serves the page). */
  readonly read: () => Promise<L>;
  /** The sorted items of a listing. */
  readonly items: (listing: L) => readonly T[];
  /** One item as the API shows it; the listing is at hand for what it joins. */
  readonly toWire: (item: T, listing: L) => W;
  /** The field of the page body that holds the items (`units`, `machines`, `states`). */
  readonly field: F;
}

/** Answers one page of a collection. @throws HttpError 400 for a bad page token. */
export async function pagedList<L, T, W, F extends string>(
  deps: Pick<RouteDeps, 'tokenLimit' | 'listings'>,
  query: URLSearchParams,
  c: PagedCollection<L, T, W, F>,
): Promise<Reply> {
  const page = requestedPage(query, deps.tokenLimit);
  const listing = await deps.listings.get(c.key, page === 1, c.read, c.joinInFlight === true);
  const { items, nextPageToken } = paginate(c.items(listing), page, deps.tokenLimit);
  const body = {
    [c.field]: items.map((item) => c.toWire(item, listing)),
    ...(nextPageToken === undefined ? {} : { nextPageToken }),
  } as Record<F, W[]> & { nextPageToken?: string };
  return jsonReply(200, body);
}
