import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from './proxy.js';
import { waitFor } from './wait.js';

function echoServer(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => {
      // A client that gives up (ask's 'silence') resets its connection: not an error here.
      c.on('error', () => undefined);
      c.pipe(c);
    });
    s.listen({ host: '127.0.0.1', port: 0 }, () => resolve(s));
  });
}

/** Sends `msg` through the proxy; resolves with the reply, or 'silence' after `ms`. */
function ask(port: number, msg: string, ms = 300): Promise<string> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.on('error', () => resolve('error'));
    const t = setTimeout(() => {
      c.destroy();
      resolve('silence');
    }, ms);
    c.once('data', (d) => {
      clearTimeout(t);
      c.destroy();
      resolve(d.toString());
    });
    c.write(msg);
  });
}

describe('TcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;
  beforeAll(async () => {
    echo = await echoServer();
    const addr = echo.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: addr.port });
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('forwards, black-holes while cut, and forwards again after restore', async () => {
    expect(await ask(proxy.port, 'one')).toBe('one');
    proxy.cut();
    expect(await ask(proxy.port, 'two')).toBe('silence');
    proxy.restore();
    expect(await ask(proxy.port, 'three')).toBe('three');
  });

  it('drops connections that were open when cut, and counts what it forwards', async () => {
    const c = createConnection({ host: '127.0.0.1', port: proxy.port });
    await new Promise<void>((r) => c.once('connect', () => r()));
    await waitFor(() => proxy.connections === 1, { what: 'one forwarded connection' });
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.on('error', () => undefined);
    proxy.cut();
    await closed;
    expect(proxy.connections).toBe(0);
    proxy.restore();
  });

  it('black-holes open connections without closing them, then closes them on restore', async () => {
    const c = createConnection({ host: '127.0.0.1', port: proxy.port });
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.once('connect', () => r()));
    const replies: string[] = [];
    c.on('data', (d) => replies.push(d.toString()));
    c.write('before');
    await waitFor(() => replies.join('') === 'before', { what: 'the echo before' });
    let closed = false;
    c.once('close', () => (closed = true));
    proxy.blackhole();
    c.write('during');
    expect(await ask(proxy.port, 'new')).toBe('silence');
    expect([replies.join(''), closed]).toEqual(['before', false]);
    proxy.restore();
    await waitFor(() => closed, { what: 'the silenced connection closed on restore' });
    expect(await ask(proxy.port, 'after')).toBe('after');
  });

  it('holds traffic of open and new connections while delayed, in order, and lets it go on restore', async () => {
    const c = createConnection({ host: '127.0.0.1', port: proxy.port });
    c.on('error', () => undefined);
    await new Promise<void>((r) => c.once('connect', () => r()));
    const replies: string[] = [];
    c.on('data', (d) => replies.push(d.toString()));
    c.write('a');
    await waitFor(() => replies.join('') === 'a', { what: 'the echo before the delay' });
    proxy.delay(600_000);
    c.write('b');
    c.write('c');
    expect(await ask(proxy.port, 'new')).toBe('silence');
    expect(replies.join('')).toBe('a');
    proxy.restore();
    await waitFor(() => replies.join('') === 'abc', { what: 'the held chunks, in order' });
    expect(await ask(proxy.port, 'after')).toBe('after');
    c.destroy();
  });
});
