// The leader decides by the error (architecture review, problem 4): a retryable store error is
// backed off and the term goes on; a refused fenced write ends the term; anything else ends the
// term as a fault, logged as an error, and the leader key is given up.
import { NotLeaderError, UnavailableError, type Registry } from '@fleet/registry';
import { RecordingLogger, type Clock } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineBench, M1, M2, unitInput } from './testing/index.js';

describe('a leader facing an error of its term', () => {
  let bench: EngineBench;

  beforeEach(async () => {
    bench = new EngineBench();
    await bench.register([M1, M2]);
  });

  afterEach(() => bench.close());

  /** The bench's registry, whose `applyAssignments` throws `fault()` while it returns an error. */
  function faulty(fault: () => Error | undefined): { registry: Registry; attempts: number[] } {
    const attempts: number[] = [];
    const registry = overriding<Registry>(bench.registry, {
      applyAssignments: (...a: Parameters<Registry['applyAssignments']>) => {
        attempts.push(bench.clock.monotonic());
        const err = fault();
        return err === undefined ? bench.registry.applyAssignments(...a) : Promise.reject(err);
      },
    });
    return { registry, attempts };
  }

  const said = (log: RecordingLogger, msg: string) => log.records.filter((r) => r.msg === msg);

  it('backs off a retryable error and stays leader: one term, retries spaced ever wider', async () => {
    let left = 3;
    const f = faulty(() => (left-- > 0 ? new UnavailableError(['http://127.0.0.1:1']) : undefined));
    const log = new RecordingLogger();
    // fleet's 2 s interval, given: the backoff starts at one interval.
    const e = bench.engine({
      registry: f.registry,
      logger: log,
      random: () => 0.5,
      reconcileIntervalMs: 2_000,
    });
    await bench.until(() => e.isLeader());
    await bench.registry.createUnit(unitInput('a.service'));
    await bench.until(async () => (await bench.placement())['a.service'] !== undefined, {
      stepMs: 10,
    });
    expect(e.isLeader()).toBe(true);
    expect((await bench.registry.getLeader())?.candidateId).toBe(M1);
    expect(said(log, 'Engine leadership acquired')).toHaveLength(1);
    expect(said(log, 'Engine leadership lost')).toHaveLength(0);
    // 2 s, 4 s, 8 s after each failure (one reconcile interval, doubling; ±20 % jitter at 0.5).
    const gaps = f.attempts.slice(1).map((t, i) => t - (f.attempts[i] ?? 0));
    expect(gaps.map((g) => Math.round(g / 100) * 100)).toEqual([2_000, 4_000, 8_000]);
  });

  it('waits out the backoff of a failed load without spinning, then loads and schedules', async () => {
    let left = 3;
    const registry = overriding<Registry>(bench.registry, {
      listUnits: (...a: Parameters<Registry['listUnits']>) =>
        left-- > 0
          ? Promise.reject(new UnavailableError(['http://127.0.0.1:1']))
          : bench.registry.listUnits(...a),
    });
    let timers = 0;
    const clock: Clock = {
      now: () => bench.clock.now(),
      monotonic: () => bench.clock.monotonic(),
      setTimer: (ms, fn) => (timers++, bench.clock.setTimer(ms, fn)),
    };
    await bench.registry.createUnit(unitInput('a.service'));
    const e = bench.engine({ registry, clock, random: () => 0.5, reconcileIntervalMs: 2_000 });
    // Loads fail at 0, 2 s and 6 s (backoffs of 2, 4, 8 s); the fourth, at 14 s, succeeds.
    const took = await bench.until(
      async () => (await bench.placement())['a.service'] !== undefined,
      {
        stepMs: 100,
      },
    );
    expect(took).toBeGreaterThanOrEqual(14_000);
    expect(took).toBeLessThan(16_000);
    expect(e.isLeader()).toBe(true);
    // A loop that spins arms a timer every turn (thousands); waiting out a backoff arms a few.
    expect(timers).toBeLessThan(50);
  });

  it('ends the term on a non-retryable error: logs it as an error and gives the leader key up', async () => {
    let fail = true;
    const f = faulty(() => (fail ? new TypeError('a bug in a write') : undefined));
    const log = new RecordingLogger();
    const e = bench.engine({ registry: f.registry, logger: log });
    await bench.until(() => e.isLeader());
    const rev = (await bench.registry.getLeader())?.token;
    await bench.registry.createUnit(unitInput('a.service'));
    await bench.until(() => said(log, 'Engine leadership lost').length === 1, { stepMs: 10 });
    const ended = said(log, 'Engine term ended by an error that retrying cannot help');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.level).toBe('error');
    expect(f.attempts).toHaveLength(1); // not retried within the term
    expect(e.isLeader()).toBe(false);
    expect((await bench.registry.getLeader())?.token).not.toBe(rev); // resigned
    // The engine campaigns again, wins a new term and schedules once the fault is gone.
    fail = false;
    await bench.until(async () => (await bench.placement())['a.service'] !== undefined);
    expect(said(log, 'Engine leadership acquired')).toHaveLength(2);
  });

  it('ends the term when a fenced write is refused (not leader)', async () => {
    let fail = true;
    const f = faulty(() => (fail ? new NotLeaderError('t', undefined) : undefined));
    const log = new RecordingLogger();
    const e = bench.engine({ registry: f.registry, logger: log });
    await bench.until(() => e.isLeader());
    await bench.registry.createUnit(unitInput('a.service'));
    await bench.until(() => said(log, 'Engine leadership lost').length === 1, { stepMs: 10 });
    expect(said(log, 'Engine leadership lost: a write was refused')).toHaveLength(1);
    expect(said(log, 'Engine term ended by an error that retrying cannot help')).toHaveLength(0);
    expect(f.attempts).toHaveLength(1);
    fail = false;
    await bench.until(async () => (await bench.placement())['a.service'] !== undefined);
    expect(said(log, 'Engine leadership acquired')).toHaveLength(2);
  });
});
