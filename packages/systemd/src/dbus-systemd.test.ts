// DbusSystemd without a systemd: what it does when the bus is missing or never answers.
// (Against a real systemd: e2e/systemd-*.e2e.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@fleet/runtime';
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbusSystemd, type DbusSystemdOptions } from './dbus-systemd.js';
import { SystemdError } from './errors.js';
import { FakeSystemd } from './fake/fake-systemd.js';

/** A unix socket that accepts connections and never says a word: a wedged bus. */
async function silentBus(path: string): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { server, sockets };
}

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );

describe('DbusSystemd without a bus', () => {
  let dir: string;
  const opened: DbusSystemd[] = [];
  /** A DbusSystemd on `socket` in the test's directory: 200 ms deadlines, no early reconnect. */
  const make = (socket: string, opts: DbusSystemdOptions = {}): DbusSystemd => {
    const sd = new DbusSystemd({
      busAddress: `unix:path=${join(dir, socket)}`,
      filesRoot: dir,
      callTimeoutMs: 200,
      reconnectInitialMs: 60_000,
      ...opts,
    });
    opened.push(sd);
    return sd;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-dbus-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((sd) => sd.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('connect() to a missing socket fails with SYSTEMD_UNAVAILABLE, retryable', async () => {
    const err = await failure(
      DbusSystemd.connect({ busAddress: `unix:path=${join(dir, 'none')}`, callTimeoutMs: 200 }),
    );
    expect(err).toBeInstanceOf(SystemdError);
    expect(err).toMatchObject({ code: 'SYSTEMD_UNAVAILABLE', retryable: true });
  });

  it('fails calls on a bus that never answers within the deadline, then fast', async () => {
    const bus = await silentBus(join(dir, 'silent'));
    try {
      const sd = make('silent');
      const first = await failure(sd.start('web.service'));
      expect(first).toMatchObject({ code: 'SYSTEMD_UNAVAILABLE', retryable: true });
      expect((first as Error).message).toContain('StartUnit web.service');
      const second = await failure(sd.unitStates(['web.service']));
      expect(second).toMatchObject({ code: 'SYSTEMD_UNAVAILABLE', retryable: true });
    } finally {
      bus.server.close();
    }
  });

  it('still writes unit files while the bus is away', async () => {
    const sd = make('none');
    await sd.writeUnit('web.service', '[Service]\nExecStart=/bin/true\n');
    expect((await sd.listUnitFiles()).map((f) => f.name)).toEqual(['web.service']);
  });

  it('close() rejects a waiting call with SYSTEMD_CLOSED and closes the socket', async () => {
    const bus = await silentBus(join(dir, 'silent'));
    try {
      const sd = make('silent', { callTimeoutMs: 60_000 });
      const pending = failure(sd.daemonReload());
      await new Promise<void>((resolve) => bus.server.once('connection', () => resolve()));
      await sd.close();
      expect(await pending).toMatchObject({ code: 'SYSTEMD_CLOSED', retryable: false });
      const [socket] = bus.sockets;
      if (socket !== undefined) await new Promise((resolve) => socket.once('close', resolve));
      expect(bus.sockets.size).toBe(0);
    } finally {
      bus.server.close();
    }
  });

  it('runs its timers on the clock option, as FakeSystemd does: nothing times out until it moves', async () => {
    const bus = await silentBus(join(dir, 'silent'));
    try {
      const clock = new ManualClock();
      const sd = make('silent', { clock });
      let settled = false;
      const pending = failure(sd.start('web.service')).finally(() => (settled = true));
      await new Promise<void>((resolve) => bus.server.once('connection', () => resolve()));
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      expect(clock.pendingTimers).toBeGreaterThan(0);
      await clock.tick(200);
      expect(await pending).toMatchObject({ code: 'SYSTEMD_UNAVAILABLE', retryable: true });
    } finally {
      bus.server.close();
    }
  });

  it('reconnects after a doubling delay from reconnectInitialMs, jittered ±20 % by `random`', async () => {
    const attempts = async (random: () => number, steps: readonly number[]): Promise<number[]> => {
      const clock = new ManualClock();
      let errors = 0;
      make('none', {
        callTimeoutMs: 10_000,
        reconnectInitialMs: 100,
        reconnectMaxMs: 400,
        clock,
        random,
        onBackgroundError: () => void errors++,
      });
      await waitFor(() => errors === 1, { what: 'the first failed connect', timeoutMs: 3_000 });
      // Before each step's end nothing new is tried; at its end one more attempt fails.
      const seen: number[] = [];
      for (const ms of steps) {
        await clock.tick(ms - 1);
        seen.push(errors);
        await clock.tick(1);
        await waitFor(() => errors > seen.length, {
          what: 'the next failed connect',
          timeoutMs: 3_000,
        });
      }
      return seen;
    };
    // A low draw: 80 % of 100, 200, 400 and then 400 (the cap); a high one: 120 %.
    expect(await attempts(() => 0, [80, 160, 320, 320])).toEqual([1, 2, 3, 4]);
    expect(await attempts(() => 0.999_999, [120, 240, 480, 480])).toEqual([1, 2, 3, 4]);
  });

  it('after close, checks watch() and calls as FakeSystemd does: SYSTEMD_CLOSED before the name', async () => {
    const closedErrors = async (sd: DbusSystemd | FakeSystemd): Promise<unknown[]> => {
      await sd.close();
      return [
        await failure(Promise.resolve().then(() => sd.watch(['web.service']))),
        await failure(Promise.resolve().then(() => sd.watch(['no suffix']))),
        await failure(sd.unitStates(['no suffix'])),
      ].map((err) => ({ ...(err as SystemdError), message: (err as Error).message }));
    };
    const dbus = await closedErrors(make('none'));
    const fake = await closedErrors(new FakeSystemd());
    expect(dbus[0]).toMatchObject({ code: 'SYSTEMD_CLOSED', operation: 'watch', retryable: false });
    expect(dbus.slice(0, 2)).toEqual(fake.slice(0, 2));
    expect(dbus[2]).toMatchObject({ code: 'SYSTEMD_CLOSED' });
    expect(fake[2]).toMatchObject({ code: 'SYSTEMD_CLOSED' });
  });
});
