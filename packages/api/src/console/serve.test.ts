import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, inject } from '../testing/index.js';
import { guardProblem, type GuardedRequest } from '../server/guard.js';
import { CONSOLE_FILES } from './assets.js';

const SOURCE = new URL('../../console/', import.meta.url);
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
});

describe('the web console at /console/', () => {
  it('holds every file of packages/api/console as it is now (assets.ts is current)', async () => {
    const names = (await readdir(SOURCE)).filter((n) => !n.startsWith('.')).sort();
    expect(Object.keys(CONSOLE_FILES).sort()).toEqual(names);
    for (const name of names) {
      expect(CONSOLE_FILES[name]?.body, name).toBe(await readFile(new URL(name, SOURCE), 'utf8'));
    }
  });

  it('serves index.html at /console/ and each file with its content type and cache headers', async () => {
    fx = new Fixture();
    const index = await fx.request('GET', '/console/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<script type="module" src="console.js"></script>');
    for (const [name, file] of Object.entries(CONSOLE_FILES)) {
      const r = await fx.request('GET', `/console/${name}?v=1`);
      expect([r.status, r.headers['content-type']], name).toEqual([200, TYPES[extname(name)]]);
      expect(r.body).toBe(file.body);
      expect(r.headers['etag']).toMatch(/^"[0-9a-f]{16}"$/);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['content-security-policy']).toContain("script-src 'self'");
      expect(r.headers['content-length']).toBe(String(Buffer.byteLength(file.body)));
    }
  });

  it('answers 304 to a browser whose copy is current, 200 to one whose copy is not', async () => {
    fx = new Fixture();
    const first = await fx.request('GET', '/console/console.js');
    const etag = first.headers['etag'] ?? '';
    for (const tag of [etag, `W/${etag}`, `"x", ${etag}`]) {
      const again = await fx.request('GET', '/console/console.js', undefined, {
        'If-None-Match': tag,
      });
      expect([again.status, again.body, again.headers['etag']], tag).toEqual([304, '', etag]);
    }
    const stale = await fx.request('GET', '/console/console.js', undefined, {
      'If-None-Match': '"0000000000000000"',
    });
    expect(stale.status).toBe(200);
  });

  it('redirects /console to /console/', async () => {
    fx = new Fixture();
    const r = await fx.request('GET', '/console');
    expect([r.status, r.headers['location']]).toEqual([301, '/console/']);
  });

  it('answers 404 for a missing file and for any path out of the console', async () => {
    fx = new Fixture();
    for (const path of [
      '/console/missing.js',
      '/console/../fleet/v1/units',
      '/console/..%2f..%2fpackage.json',
      '/console/%2e%2e/%2e%2e/etc/passwd',
      '/console/./index.html',
      '/console//index.html',
      '/console/sub/index.html',
      '/console/index.html/',
      '/console/constructor',
      '/console/__proto__',
      '/console/%69ndex.html',
    ]) {
      const r = await fx.request('GET', path);
      expect([r.status, r.headers['content-type']], path).toEqual([404, 'application/json']);
      expect(r.json<{ error: { message: string } }>().error.message).toMatch(/^no console file /);
    }
  });

  it('takes GET and HEAD only', async () => {
    fx = new Fixture();
    const head = await inject(fx.api, { method: 'HEAD', url: '/console/console.css' });
    expect([head.status, head.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    const post = await fx.request('POST', '/console/', 'x');
    expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD']);
  });

  it('is served while fleetd is not ready (the page says so), unlike the API', async () => {
    fx = new Fixture({ isReady: () => 'not registered yet' });
    expect((await fx.request('GET', '/fleet/v1/units')).status).toBe(503);
    expect((await fx.request('GET', '/console/')).status).toBe(200);
  });

  it("passes the listener's guard as the API does: the read role reads it, other sites do not", () => {
    const get = (headers: GuardedRequest['headers'] = {}): GuardedRequest => ({
      method: 'GET',
      url: '/console/console.js',
      headers: { host: '127.0.0.11:49153', ...headers },
    });
    const plainRead = { plain: true, role: 'read' } as const;
    const none = new Set<string>();
    expect(guardProblem(get(), plainRead, 'read', none)).toBeUndefined();
    expect(guardProblem(get({ 'sec-fetch-site': 'same-origin' }), plainRead, 'read', none)).toBe(
      undefined,
    );
    expect(guardProblem(get({ 'sec-fetch-site': 'cross-site' }), plainRead, 'read', none)).toMatch(
      /^forbidden: requests from web pages/,
    );
    expect(guardProblem(get({ host: 'evil.example' }), plainRead, 'read', none)).toMatch(
      /^forbidden: Host/,
    );
    // The console's own module scripts come with its Origin: the same host and port only.
    const own = { 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.11:49153' };
    expect(guardProblem(get(own), plainRead, 'read', none)).toBeUndefined();
    for (const origin of [
      'http://127.0.0.11:8080',
      'http://127.0.0.1:49153',
      'https://127.0.0.11:49153',
      'http://127.0.0.11:49153/x',
      'null',
    ]) {
      expect(guardProblem(get({ origin }), plainRead, 'read', none), origin).toMatch(
        /^forbidden: requests from web pages/,
      );
    }
    const cert = { plain: false, role: 'certificate' } as const;
    expect(guardProblem(get(), cert, undefined, none)).toMatch(/^permission denied/);
    expect(guardProblem(get(own), cert, 'read', none)).toMatch(/^forbidden: requests from web/);
    const ownTls = { origin: 'https://127.0.0.11:49153' };
    expect(guardProblem(get(ownTls), cert, 'read', none)).toBeUndefined();
  });
});
