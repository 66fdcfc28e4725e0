// KeepAliveStream: keepalives of many leases share one stream; answers are matched by lease ID
// in order; a failed or silent stream fails what waits on it and the next keepalive opens another.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeepAliveStream, type KeepAliveDuplex } from './etcd-keepalive.js';

class FakeStream extends EventEmitter {
  readonly sent: string[] = [];
  ended = false;
  cancelled = false;
  write(req: { ID: string }): void {
    this.sent.push(req.ID);
  }
  end(): void {
    this.ended = true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  answer(id: string, ttl: number): void {
    this.emit('data', { ID: id, TTL: String(ttl) });
  }
}

function setup(timeoutMs = 1_000) {
  const streams: FakeStream[] = [];
  const ka = new KeepAliveStream(() => {
    const s = new FakeStream();
    streams.push(s);
    return Promise.resolve(s as KeepAliveDuplex);
  }, timeoutMs);
  return { ka, streams };
}

const settle = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());

describe('KeepAliveStream', () => {
  it('sends the keepalives of many leases on one stream and matches answers by ID, in order', async () => {
    const { ka, streams } = setup();
    const a1 = ka.keepAlive(1n);
    const b = ka.keepAlive(2n);
    const a2 = ka.keepAlive(1n);
    await settle();
    expect(streams).toHaveLength(1);
    expect(streams[0]?.sent).toEqual(['1', '2', '1']);
    streams[0]?.answer('2', 7);
    streams[0]?.answer('1', 5);
    streams[0]?.answer('1', 0);
    await expect(b).resolves.toBe(7);
    await expect(a1).resolves.toBe(5);
    await expect(a2).resolves.toBe(0); // the lease is gone
    await expect(
      Promise.all([ka.keepAlive(3n), settle().then(() => streams[0]?.answer('3', 9))]),
    ).resolves.toEqual([9, undefined]);
    expect(streams).toHaveLength(1);
    expect(ka.opened).toBe(1);
  });

  it('fails every waiting keepalive when the stream errors, and opens a new stream for the next', async () => {
    const { ka, streams } = setup();
    const a = ka.keepAlive(1n);
    const b = ka.keepAlive(2n);
    await settle();
    streams[0]?.emit('error', new Error('14 UNAVAILABLE: connection dropped'));
    await expect(a).rejects.toThrow();
    await expect(b).rejects.toThrow();
    expect(streams[0]?.cancelled).toBe(true);
    const c = ka.keepAlive(1n);
    await settle();
    expect(streams).toHaveLength(2);
    streams[0]?.answer('1', 5); // a late answer on the old stream changes nothing
    streams[1]?.answer('1', 6);
    await expect(c).resolves.toBe(6);
  });

  it('gives a silent stream up after the deadline: its keepalives fail, the next uses a new stream', async () => {
    vi.useFakeTimers();
    const { ka, streams } = setup(1_000);
    const a = ka.keepAlive(1n);
    const rejected = expect(a).rejects.toThrow(/no keepalive answer within 1000 ms/);
    await vi.advanceTimersByTimeAsync(999);
    expect(streams[0]?.cancelled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await rejected;
    expect(streams[0]?.cancelled).toBe(true); // a call on a dead link is cancelled, not half-closed
    const b = ka.keepAlive(1n);
    await vi.advanceTimersByTimeAsync(0);
    streams[1]?.answer('1', 3);
    await expect(b).resolves.toBe(3);
  });

  it('treats a stream that ends as failed, and a closed one as unusable', async () => {
    const { ka, streams } = setup();
    const a = ka.keepAlive(1n);
    await settle();
    streams[0]?.emit('end');
    await expect(a).rejects.toThrow(/ended/);
    const b = ka.keepAlive(1n);
    await settle();
    ka.close();
    await expect(b).rejects.toThrow(/closed/);
    expect(streams[1]?.ended).toBe(true); // half-closed: etcd ends the call cleanly
    await expect(ka.keepAlive(1n)).rejects.toThrow(/closed/);
  });

  it('fails a keepalive whose stream could not be opened, and tries again on the next', async () => {
    let attempts = 0;
    const ka = new KeepAliveStream(() => {
      attempts++;
      return attempts === 1
        ? Promise.reject(new Error('14 UNAVAILABLE: no connection'))
        : Promise.resolve(new FakeStream() as KeepAliveDuplex);
    }, 1_000);
    await expect(ka.keepAlive(1n)).rejects.toThrow();
    const next = ka.keepAlive(1n);
    await settle();
    expect(attempts).toBe(2);
    ka.close();
    await expect(next).rejects.toThrow(/closed/);
  });
});
