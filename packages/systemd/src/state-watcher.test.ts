import { describe, expect, it } from 'vitest';
import { ManualClock } from '@fleet/runtime';
import { StateWatcher } from './state-watcher.js';
import type { SystemdUnitStatus, UnitStatusChange } from './systemd.js';

const dead: SystemdUnitStatus = { load: 'loaded', active: 'inactive', sub: 'dead' };
const running: SystemdUnitStatus = { load: 'loaded', active: 'active', sub: 'running' };

/** A watcher over a mutable table of states, recording reads and reported changes. */
function setup() {
  const clock = new ManualClock();
  const table = new Map<string, SystemdUnitStatus>();
  const reads: string[][] = [];
  const reported: UnitStatusChange[][] = [];
  let failing = false;
  const watcher = new StateWatcher({
    timers: clock,
    coalesceMs: 5,
    pollIntervalMs: 1_000,
    read: async (names) => {
      reads.push([...names]);
      if (failing) throw new Error('bus down');
      return new Map(names.map((n) => [n, table.get(n) ?? dead]));
    },
  });
  watcher.onChange((changes) => reported.push([...changes]));
  watcher.start();
  return {
    clock,
    table,
    reads,
    reported,
    watcher,
    fail: (on: boolean) => (failing = on),
  };
}

describe('StateWatcher', () => {
  it('reports the first state of a newly watched unit, then only changes', async () => {
    const t = setup();
    t.watcher.watch(['a.service']);
    await t.clock.tick(5);
    expect(t.reported).toEqual([[{ name: 'a.service', state: dead }]]);
    t.watcher.hint('a.service');
    await t.clock.tick(5);
    expect(t.reported).toHaveLength(1);
    t.table.set('a.service', running);
    t.watcher.hint('a.service');
    await t.clock.tick(5);
    expect(t.reported[1]).toEqual([{ name: 'a.service', state: running }]);
  });

  it('coalesces hints that arrive together into one read', async () => {
    const t = setup();
    t.watcher.watch(['a.service', 'b.service', 'c.service']);
    await t.clock.tick(5);
    t.reads.length = 0;
    t.watcher.hint('b.service');
    t.watcher.hint('a.service');
    t.watcher.hint('b.service');
    await t.clock.tick(5);
    expect(t.reads).toEqual([['a.service', 'b.service']]);
  });

  it('ignores hints for units that are not watched', async () => {
    const t = setup();
    t.watcher.hint('x.service');
    await t.clock.tick(100);
    expect(t.reads).toEqual([]);
  });

  it('catches a change whose hint was lost at the next poll', async () => {
    const t = setup();
    t.watcher.watch(['a.service']);
    await t.clock.tick(5);
    t.table.set('a.service', running); // no hint
    await t.clock.tick(994);
    expect(t.reported).toHaveLength(1);
    await t.clock.tick(10);
    expect(t.reported[1]).toEqual([{ name: 'a.service', state: running }]);
  });

  it('survives failed reads and reports once reads work again', async () => {
    const t = setup();
    t.fail(true);
    t.watcher.watch(['a.service']);
    await t.clock.tick(5);
    expect(t.reported).toEqual([]);
    t.fail(false);
    await t.clock.tick(1_000);
    expect(t.reported).toEqual([[{ name: 'a.service', state: dead }]]);
  });

  it('forgets an unwatched unit: watching it again reports its state again', async () => {
    const t = setup();
    t.watcher.watch(['a.service']);
    await t.clock.tick(5);
    t.watcher.unwatch(['a.service']);
    t.table.set('a.service', running);
    await t.clock.tick(2_000);
    expect(t.reported).toHaveLength(1);
    t.watcher.watch(['a.service']);
    await t.clock.tick(5);
    expect(t.reported[1]).toEqual([{ name: 'a.service', state: running }]);
  });

  it('never overlaps reads: hints during a read wait for it', async () => {
    const clock = new ManualClock();
    let inFlight = 0;
    let maxInFlight = 0;
    let release!: () => void;
    const watcher = new StateWatcher({
      timers: clock,
      coalesceMs: 5,
      pollIntervalMs: 1_000,
      read: async (names) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((r) => (release = r));
        inFlight--;
        return new Map(names.map((n) => [n, dead]));
      },
    });
    watcher.start();
    watcher.watch(['a.service']);
    await clock.tick(5);
    watcher.hint('a.service');
    await clock.tick(50);
    expect(inFlight).toBe(1);
    release();
    await clock.tick(5);
    release();
    await clock.tick(5);
    expect(maxInFlight).toBe(1);
    watcher.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps calling other listeners when one throws', async () => {
    const errors: unknown[] = [];
    const clock = new ManualClock();
    const watcher = new StateWatcher({
      timers: clock,
      coalesceMs: 5,
      pollIntervalMs: 1_000,
      read: async (names) => new Map(names.map((n) => [n, dead])),
      onError: (err) => errors.push(err),
    });
    const seen: string[] = [];
    watcher.onChange(() => {
      throw new Error('listener bug');
    });
    watcher.onChange((changes) => seen.push(...changes.map((c) => c.name)));
    watcher.start();
    watcher.watch(['a.service']);
    await clock.tick(5);
    expect(seen).toEqual(['a.service']);
    expect(errors).toHaveLength(1);
    watcher.stop();
  });

  it('re-reads a unit systemd refuses to load once a minute, not every second, unless hinted', async () => {
    const t = setup();
    const bad: SystemdUnitStatus = { load: 'bad-setting', active: 'inactive', sub: 'dead' };
    t.table.set('bad.service', bad);
    t.watcher.watch(['bad.service', 'ok.service']);
    await t.clock.tick(5);
    const readsOf = (name: string) => t.reads.filter((r) => r.includes(name)).length;
    const before = { bad: readsOf('bad.service'), ok: readsOf('ok.service') };
    for (let i = 0; i < 120; i++) await t.clock.tick(1_000);
    expect(readsOf('ok.service') - before.ok).toBe(120);
    expect(readsOf('bad.service') - before.bad).toBe(2); // at 60 s and 120 s
    t.watcher.hint('bad.service');
    await t.clock.tick(5);
    expect(readsOf('bad.service') - before.bad).toBe(3);
    // Once it loads (the file was fixed), it is polled every second again.
    t.table.set('bad.service', dead);
    t.watcher.hintAll();
    await t.clock.tick(5);
    const fixed = readsOf('bad.service');
    for (let i = 0; i < 10; i++) await t.clock.tick(1_000);
    expect(readsOf('bad.service') - fixed).toBe(10);
  });
});
