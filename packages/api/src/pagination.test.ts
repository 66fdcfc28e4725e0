import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.js';
import { decodePageToken, encodePageToken, paginate, requestedPage } from './pagination.js';

const q = (s: string) => new URLSearchParams(s);

function status(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (err) {
    if (err instanceof HttpError) return [err.status, err.message];
    throw err;
  }
  throw new Error('did not throw');
}

describe('page tokens', () => {
  it("encode as fleet's: limit 100, page 2 is ZAACAA==", () => {
    expect(encodePageToken({ limit: 100, page: 2 })).toBe('ZAACAA==');
    expect(decodePageToken('ZAACAA==')).toEqual({ limit: 100, page: 2 });
  });

  it('use the URL alphabet, and decode either alphabet', () => {
    const token = encodePageToken({ limit: 0xfbff, page: 0xffff });
    expect(token).toBe('__v__w==');
    expect(decodePageToken(token)).toEqual({ limit: 0xfbff, page: 0xffff });
    expect(decodePageToken('//v//w==')).toEqual({ limit: 0xfbff, page: 0xffff });
  });

  it('round-trip', () => {
    for (const [limit, page] of [
      [1, 1],
      [100, 3],
      [65535, 65535],
      [7, 300],
    ] as const) {
      expect(decodePageToken(encodePageToken({ limit, page }))).toEqual({ limit, page });
    }
  });

  it('accept a token without its padding', () => {
    expect(decodePageToken('ZAACAA')).toEqual({ limit: 100, page: 2 });
  });

  it.each(['', 'ZAACAA=', 'ZAACAAAA', 'ZAACAAAA====', 'ZA!CAA==', 'ZAACAA==x'])(
    'reject %j',
    (bad) => {
      expect(status(() => decodePageToken(bad))[0]).toBe(400);
    },
  );
});

describe('requestedPage', () => {
  it('is 1 without a token, else the token page', () => {
    expect(requestedPage(q(''), 100)).toBe(1);
    expect(requestedPage(q('nextPageToken=ZAACAA=='), 100)).toBe(2);
  });

  it("refuses with fleet's messages", () => {
    expect(
      status(() => requestedPage(q('nextPageToken=ZAACAA==&nextPageToken=ZAACAA=='), 100)),
    ).toEqual([400, 'too many values for page token']);
    expect(
      status(() =>
        requestedPage(q(`nextPageToken=${encodePageToken({ limit: 50, page: 2 })}`), 100),
      ),
    ).toEqual([400, 'token limit must be 100']);
    expect(
      status(() =>
        requestedPage(q(`nextPageToken=${encodePageToken({ limit: 100, page: 0 })}`), 100),
      ),
    ).toEqual([400, 'token page must be greater than zero']);
    expect(status(() => requestedPage(q('nextPageToken=nope'), 100))[0]).toBe(400);
    expect(status(() => requestedPage(q('nextPageToken='), 100))[0]).toBe(400);
  });
});

describe('paginate', () => {
  const items = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('cuts pages and links them', () => {
    const first = paginate(items(5), 1, 2);
    expect(first).toEqual({ items: [0, 1], nextPageToken: encodePageToken({ limit: 2, page: 2 }) });
    expect(paginate(items(5), 3, 2)).toEqual({ items: [4] });
  });

  it('emits no token for a trailing empty page when the total is a multiple of the limit', () => {
    expect(paginate(items(4), 1, 2).nextPageToken).toBeDefined();
    expect(paginate(items(4), 2, 2)).toEqual({ items: [2, 3] });
    expect(paginate(items(2), 1, 2)).toEqual({ items: [0, 1] });
  });

  it('answers an empty page past the end, and for an empty list', () => {
    expect(paginate(items(3), 9, 2)).toEqual({ items: [] });
    expect(paginate([], 1, 100)).toEqual({ items: [] });
  });
});
