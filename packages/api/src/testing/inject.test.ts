import { describe, expect, it } from 'vitest';
import { inject } from './inject.js';

describe('inject', () => {
  it('passes method, url, headers and body to the handler and parses a chunked answer', async () => {
    const res = await inject(
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.setHeader('X-Seen', `${req.method} ${req.url} ${req.headers['content-type']}`);
          res.write('got ');
          res.end(Buffer.concat(chunks));
        });
      },
      { method: 'POST', url: '/x?y=1', body: { a: 1 } },
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-seen']).toBe('POST /x?y=1 application/json');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.body).toBe('got {"a":1}');
  });

  it('rejects when the handler destroys the response', async () => {
    await expect(inject((_req, res) => res.destroy(), { url: '/' })).rejects.toThrow(/destroyed/);
  });
});
