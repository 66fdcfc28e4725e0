// fleet's stateless pagination. A page token is 4 bytes, little-endian uint16 limit then uint16
// page, in base64 with the URL alphabet and padding (Go's base64.URLEncoding): limit 100, page 2
// is `ZAACAA==`. Every page re-reads the full list; page N holds items [(N-1)·L, N·L).
import { HttpError } from './errors.js';

/** The largest page number (and page size) a token can carry. */
export const MAX_UINT16 = 0xffff;

/** fleet's default page size (`token_limit`). */
export const DEFAULT_TOKEN_LIMIT = 100;

/** The decoded form of a `nextPageToken`. */
export interface PageToken {
  /** Page size; must equal the server's `tokenLimit`. */
  readonly limit: number;
  /** 1-based page number. */
  readonly page: number;
}

/** Encodes a token exactly as fleet did. */
export function encodePageToken(token: PageToken): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16LE(token.limit, 0);
  bytes.writeUInt16LE(token.page, 2);
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

// 4 bytes are 6 significant base64 characters, then `==`. The standard alphabet is accepted too.
const TOKEN_TEXT = /^[A-Za-z0-9+/_-]{6}(?:==)?$/;

/**
 * Decodes a token's bytes (the value is not checked against the server's limit here).
 * @throws HttpError 400 if it is not base64 of exactly 4 bytes
 */
export function decodePageToken(value: string): PageToken {
  if (!TOKEN_TEXT.test(value)) {
    throw new HttpError(
      400,
      `invalid page token ${JSON.stringify(value)}: expected the nextPageToken of a previous page`,
    );
  }
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return { limit: bytes.readUInt16LE(0), page: bytes.readUInt16LE(2) };
}

/**
 * The page a request asks for: 1 without a token, else the token's page.
 * @throws HttpError 400 `too many values for page token`, `token limit must be <L>`,
 * `token page must be greater than zero`, or a bad encoding
 */
export function requestedPage(query: URLSearchParams, tokenLimit: number): number {
  const values = query.getAll('nextPageToken');
  if (values.length > 1) throw new HttpError(400, 'too many values for page token');
  const value = values[0];
  if (value === undefined) return 1;
  const token = decodePageToken(value);
  if (token.limit !== tokenLimit) throw new HttpError(400, `token limit must be ${tokenLimit}`);
  if (token.page === 0) throw new HttpError(400, 'token page must be greater than zero');
  return token.page;
}

/** One page of a sorted list, and the token of the next page if there are more items. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken?: string;
}

/**
 * Cuts page `page` (1-based) of `limit` items out of `all`. Unlike fleet, a token is emitted only
 * when the next page is non-empty, so a total that is an exact multiple of the limit does not
 * produce a trailing empty page.
 */
export function paginate<T>(all: readonly T[], page: number, limit: number): Page<T> {
  const start = (page - 1) * limit;
  const end = start + limit;
  const items = all.slice(start, end);
  if (end < all.length && page < MAX_UINT16) {
    return { items, nextPageToken: encodePageToken({ limit, page: page + 1 }) };
  }
  return { items };
}
