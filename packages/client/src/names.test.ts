// Listing some units by name: `?names=` in pieces of a couple of kB, sent at once; what comes
// back is filtered and sorted here too, so a server that ignores the filter (fleet) still gives
// the right answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetClient } from './fleet-client.js';
import { namesQueries, NAMES_PER_REQUEST_CHARS } from './names.js';

describe('namesQueries', () => {
  it('cuts names into pieces of at most the limit, each name once', () => {
    const names = Array.from(
      { length: 300 },
      (_, i) => `unit-${String(i).padStart(20, '0')}@x.service`,
    );
    const pieces = namesQueries([...names, ...names.slice(0, 10)]);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(NAMES_PER_REQUEST_CHARS);
    expect(pieces.flatMap((p) => p.split(',')).map(decodeURIComponent)).toEqual(names);
    expect(namesQueries([])).toEqual([]);
  });
});

const unit = (name: string) => ({ name, options: [], desiredState: 'launched' });

let server: http.Server | undefined;
afterEach(
  () =>
    new Promise<void>((resolve) => {
      server?.closeAllConnections();
      server?.close(() => resolve());
      if (server === undefined) resolve();
    }),
);

/**
 * A server holding `all` units, honouring `?names=` or not (as fleet), that answers no request
 * before `together` have arrived: requests sent one after another never get an answer.
 */
async function serve(all: readonly string[], honour: boolean, together = 1) {
  const urls: string[] = [];
  const held: (() => void)[] = [];
  server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    const q = new URL(req.url ?? '', 'http://x').searchParams.get('names');
    const wanted = honour && q !== null ? new Set(q.split(',')) : undefined;
    const units = all.filter((n) => wanted === undefined || wanted.has(n)).map(unit);
    held.push(() => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ units }));
    });
    if (held.length >= together) for (const answer of held.splice(0)) answer();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new FleetClient({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 3000 });
  return { client, urls };
}

describe('listUnits({ names })', () => {
  const all = Array.from({ length: 400 }, (_, i) => `u${String(i).padStart(40, '0')}.service`);
  const wanted = [all[399] ?? '', 'gone.service', ...all.slice(0, 150), all[3] ?? ''];

  it.each([
    ['honours ?names=', true],
    ['ignores it (fleet)', false],
  ])('against a server that %s: the named units that exist, sorted', async (_what, honour) => {
    const pieces = namesQueries(wanted).length;
    const { client, urls } = await serve(all, honour, pieces);
    try {
      const units = await client.listUnits({ names: wanted });
      expect(units.map((u) => u.name)).toEqual([...all.slice(0, 150), all[399]]);
      // ~7,000 characters of names: a few requests, all at once (the server answers none
      // before all have come).
      expect(pieces).toBeGreaterThan(1);
      expect(urls.length).toBe(pieces);
      for (const url of urls) expect(url).toMatch(/^\/fleet\/v1\/units\?names=/);
    } finally {
      client.close();
    }
  });

  it('asks nothing for no names', async () => {
    const { client, urls } = await serve(all, true);
    expect(await client.listUnits({ names: [] })).toEqual([]);
    expect(urls).toEqual([]);
    client.close();
  });
});
