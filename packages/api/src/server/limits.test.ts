import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { ConnectionCap, DEFAULT_LIMITS, FailureLog, serverTimeouts } from './limits.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
}
const sock = () => new FakeSocket() as unknown as Socket & FakeSocket;
const response = () => new EventEmitter() as unknown as http.ServerResponse;

describe('the connection cap', () => {
  it('closes the oldest connection with no request in progress to make room', () => {
    const cap = new ConnectionCap(3);
    const [a, b, c, d] = [sock(), sock(), sock(), sock()];
    for (const s of [a, b, c]) cap.admit(s);
    const res = response();
    cap.requestStarted(a, res);
    cap.admit(d);
    expect([a.destroyed, b.destroyed, c.destroyed, d.destroyed]).toEqual([
      false,
      true,
      false,
      false,
    ]);
    expect(cap.size).toBe(3);
    expect(cap.evicted).toBe(1);
    // a's response done: a is the oldest idle one now.
    res.emit('close');
    const e = sock();
    cap.admit(e);
    expect(a.destroyed).toBe(true);
    expect(cap.size).toBe(3);
  });

  it('refuses a new connection when every connection is answering a request', () => {
    const cap = new ConnectionCap(2);
    const [a, b, c] = [sock(), sock(), sock()];
    cap.admit(a);
    cap.admit(b);
    cap.requestStarted(a, response());
    cap.requestStarted(b, response());
    cap.admit(c);
    expect([a.destroyed, b.destroyed, c.destroyed]).toEqual([false, false, true]);
    expect(cap.size).toBe(2);
  });

  it('forgets connections that close', () => {
    const cap = new ConnectionCap(2);
    const a = sock();
    cap.admit(a);
    a.destroy();
    expect(cap.size).toBe(0);
  });
});

describe('failed TLS handshakes in the log', () => {
  it('are one line at once, then one line per period with the count, then quiet', () => {
    const clock = new ManualClock();
    const lines: [number, string][] = [];
    const log = new FailureLog(clock, 60_000, (n, last) => lines.push([n, last]));
    for (let i = 0; i < 50; i++) log.failed(`failure ${i}`);
    expect(lines).toEqual([[1, 'failure 0']]);
    clock.advance(60_000);
    expect(lines).toEqual([
      [1, 'failure 0'],
      [49, 'failure 49'],
    ]);
    clock.advance(60_000);
    clock.advance(600_000);
    expect(lines).toHaveLength(2);
    log.failed('again');
    expect(lines[2]).toEqual([1, 'again']);
    log.failed('more');
    log.close();
    clock.advance(60_000);
    expect(lines).toHaveLength(3);
  });
});

describe('the timeouts', () => {
  it('are given to node, checked often enough for the header timeout', () => {
    expect(serverTimeouts(DEFAULT_LIMITS)).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      connectionsCheckingInterval: 2_500,
    });
  });
});
