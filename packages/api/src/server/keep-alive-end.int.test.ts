// endKeepAlive on a listener built as FleetServer builds one for a socket systemd passed (a
// net.Server handing its connections to an http.Server that never listens itself), while a
// client keeps a keep-alive connection busy (requests back to back, as a monitoring loop does):
// the connection ends after a response and the listener's close finishes. Without it the close
// waited for ever, and a fleetd handing its machine over for a restart hung for its one-minute
// bound, by when the hand-over lease had expired.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endKeepAlive } from './keep-alive-end.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-keep-alive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One GET over `agent`; resolves with its Connection header, or the error's code. */
function get(agent: http.Agent, socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    http
      .get({ agent, socketPath, path: '/' }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers.connection)));
      })
      .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('endKeepAlive', () => {
  it('ends a busy keep-alive connection after a response, so the close finishes', async () => {
    const socketPath = join(dir, 'api.sock');
    const outer = net.createServer();
    await new Promise<void>((r) => outer.listen(socketPath, r));
    const inner = http.createServer((_req, res) => {
      // answered a little later, as a handler that asks etcd
      setTimeout(() => res.end('{}'), 2);
    });
    outer.on('connection', (s: net.Socket) => inner.emit('connection', s));
    inner.emit('listening');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const seen: string[] = [];
    let stop = false;
    const loop = (async () => {
      while (!stop) seen.push(await get(agent, socketPath));
    })();
    while (seen.length < 5) await new Promise((r) => setTimeout(r, 5));
    const before = seen.length;
    const closed = new Promise<void>((r) => outer.close(() => r()));
    const stopSweep = endKeepAlive(inner);
    await closed;
    stopSweep();
    stop = true;
    await loop;
    // The connection ended: one more request cannot reuse it (it would be answered, the inner
    // server still serves connections it has), and the closed listener takes no new one.
    const next = await get(agent, socketPath);
    agent.destroy();
    expect(seen.slice(0, before).every((c) => c === 'keep-alive')).toBe(true);
    expect(next).not.toBe('keep-alive');
  });
});
