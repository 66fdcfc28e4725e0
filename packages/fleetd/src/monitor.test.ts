// fleet's monitor line, on a manual clock: logged once a machine has gone TTL/2 + TTL/3 without an
// acknowledged heartbeat, once per silence, and when its session is lost to a failed heartbeat
// that had not been reported yet.
import { SessionLostError, type MachineSession, type Registry } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { monitorDeadlineMs, watchHeartbeats } from './monitor.js';

/** A registry whose one session's renewals the test controls. */
function fixture(ttlSeconds = 30) {
  const clock = new ManualClock();
  const controller = new AbortController();
  let renewedAt = clock.monotonic();
  const session = {
    machineId: 'm1',
    ttlSeconds,
    leaseId: '1',
    signal: controller.signal,
    lastRenewedAt: () => renewedAt,
  } as unknown as MachineSession;
  const registry = {
    registerMachine: async () => session,
  } as unknown as Registry;
  const reports: string[] = [];
  const watched = watchHeartbeats(registry, clock, (_s, reason) =>
    reports.push(reason instanceof Error ? reason.constructor.name : String(reason)),
  );
  return {
    clock,
    reports,
    register: () => watched.registerMachine({} as never, ttlSeconds),
    renew: () => (renewedAt = clock.monotonic()),
    lose: (cause: unknown) => controller.abort(new SessionLostError('m1', { cause })),
  };
}

describe('watchHeartbeats', () => {
  it("is fleet's deadline: TTL/2 + TTL/3", () => {
    expect(monitorDeadlineMs(30)).toBe(25_000);
    expect(monitorDeadlineMs(3)).toBe(2_500);
  });

  it('measures the silence on the monotonic clock: an NTP step reports nothing', async () => {
    const f = fixture(30);
    await f.register();
    f.clock.stepWall(3_600_000);
    for (let i = 0; i < 6; i++) {
      f.clock.advance(10_000);
      f.renew();
    }
    expect(f.reports).toEqual([]);
  });

  it('reports a machine silent past the deadline once, and again after it recovered', async () => {
    const f = fixture(30);
    await f.register();
    // Renewed every 10 s (TTL/3): never reported.
    for (let i = 0; i < 6; i++) {
      f.clock.advance(10_000);
      f.renew();
    }
    expect(f.reports).toEqual([]);
    f.clock.advance(25_000);
    expect(f.reports).toEqual([]);
    f.clock.advance(2_500); // the next check, every TTL/12
    expect(f.reports).toEqual(['Error']);
    f.clock.advance(60_000);
    expect(f.reports).toEqual(['Error']);
    f.renew();
    f.clock.advance(2_500);
    f.clock.advance(30_000);
    expect(f.reports).toEqual(['Error', 'Error']);
  });

  it('reports a session lost to a failed heartbeat, unless the silence was reported', async () => {
    const quick = fixture(30);
    await quick.register();
    quick.lose(new Error('lease expired'));
    expect(quick.reports).toEqual(['SessionLostError']);

    const slow = fixture(30);
    await slow.register();
    slow.clock.advance(30_000);
    expect(slow.reports).toEqual(['Error']);
    slow.lose(new Error('lease expired'));
    expect(slow.reports).toEqual(['Error']);
    slow.clock.advance(60_000);
    expect(slow.reports).toEqual(['Error']);
  });

  it('says nothing of a session closed on purpose', async () => {
    const f = fixture(30);
    await f.register();
    f.lose('closed');
    f.clock.advance(60_000);
    expect(f.reports).toEqual([]);
  });
});
