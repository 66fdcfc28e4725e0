import { describe, expect, it } from 'vitest';
import { stepRollout } from './rollout.js';
import type { RolloutRecord, RolloutStep } from './rollout-types.js';
import { Group, NEW, NEWER, OLD, T0 } from './testing/rollouts.js';

const S = 1000;
const iso = (t: number) => new Date(t).toISOString();
const phases = (r: RolloutRecord | undefined) => r?.copies.map((c) => `${c.machineId}:${c.phase}`);
const released = (s: RolloutStep) => s.release.map((c) => c.machineId);

/** Steps a group from its current record at `now`, returning the step (record kept in `g.rec`). */
function stepper(g: Group) {
  let rec: RolloutRecord | undefined;
  return {
    get record() {
      return rec;
    },
    step(now: number, lastId = 0): RolloutStep {
      const s = stepRollout(g.input(rec, now, lastId));
      rec = s.record;
      return s;
    },
  };
}

describe('stepRollout: starting', () => {
  it('starts nothing when every copy carries its unit contents', () => {
    const g = Group.template(3);
    g.setUnitHash(OLD);
    const s = stepRollout(g.input(undefined, T0));
    expect(s).toMatchObject({ record: undefined, write: false, release: [], events: [] });
  });

  it('starts a rollout and releases the first wave of maxParallel copies', () => {
    const g = Group.template(6, { maxParallel: 2 });
    const s = stepRollout(g.input(undefined, T0, 2));
    expect(s.write).toBe(true);
    expect(s.record).toMatchObject({
      group: 'web@.service',
      id: 3,
      state: 'running',
      fromHash: OLD,
      toHash: NEW,
      startedAt: iso(T0),
      updatedAt: iso(T0),
      policy: { maxParallel: 2, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: true },
    });
    expect(s.record?.units).toEqual([1, 2, 3, 4, 5, 6].map((i) => `web@${i}.service`));
    expect(released(s)).toEqual(['m1', 'm2']);
    expect(phases(s.record)).toEqual([
      'm1:replacing',
      'm2:replacing',
      'm3:pending',
      'm4:pending',
      'm5:pending',
      'm6:pending',
    ]);
    expect(s.record?.copies[0]?.replacedAt).toBe(iso(T0));
    expect(s.events.map((e) => e.kind)).toEqual(['rollout.started', 'rollout.step']);
    expect(s.events[0]?.message).toBe(
      'rollout 3 of web@.service from aaaaaaa to bbbbbbb: 6 copies, 2 at a time',
    );
    expect(s.events[1]?.message).toBe(
      'rollout 3 of web@.service: replacing web@1.service on m1, web@2.service on m2 (2 of 6 copies on bbbbbbb)',
    );
  });

  it("takes the new version's policy and rolls a global unit machine by machine", () => {
    const g = Group.global(3, { maxParallel: 1, minHealthySec: 0 });
    const r = stepper(g);
    expect(released(r.step(T0))).toEqual(['m1']);
    expect(r.record?.units).toEqual(['g.service']);
    g.run('g.service', 'm1', NEW);
    expect(released(r.step(T0 + S))).toEqual(['m2']);
    g.run('g.service', 'm2', NEW);
    expect(released(r.step(T0 + 2 * S))).toEqual(['m3']);
    g.run('g.service', 'm3', NEW);
    const s = r.step(T0 + 3 * S);
    expect(s.record?.state).toBe('succeeded');
    expect(s.finished).toBe(true);
  });
});

describe('stepRollout: waves and health', () => {
  it('holds the next wave until the released copies were healthy for minHealthySec', () => {
    const g = Group.template(3, { maxParallel: 1, minHealthySec: 10 });
    const r = stepper(g);
    r.step(T0);
    // The engine gave m1 the new contents; its agent has not acted: nothing new.
    g.assign('web@1.service', 'm1', NEW);
    let s = r.step(T0 + S);
    expect(s.release).toEqual([]);
    expect(s.write).toBe(false);
    g.run('web@1.service', 'm1', NEW);
    s = r.step(T0 + 2 * S);
    expect(s.record?.copies[0]).toMatchObject({
      phase: 'replacing',
      healthySince: iso(T0 + 2 * S),
    });
    expect(s.write).toBe(true);
    s = r.step(T0 + 11 * S);
    expect(s.release).toEqual([]);
    expect(s.write).toBe(false);
    s = r.step(T0 + 12 * S);
    expect(phases(s.record)).toEqual(['m1:done', 'm2:replacing', 'm3:pending']);
    expect(released(s)).toEqual(['m2']);
  });

  it('starts healthySince over after a lapse', () => {
    const g = Group.template(2, { minHealthySec: 10 });
    const r = stepper(g);
    r.step(T0);
    g.run('web@1.service', 'm1', NEW);
    r.step(T0 + S);
    g.publish('web@1.service', 'm1', { activeState: 'activating' });
    let s = r.step(T0 + 5 * S);
    expect(s.record?.copies[0]?.healthySince).toBeUndefined();
    expect(s.record?.copies[0]?.phase).toBe('replacing');
    g.publish('web@1.service', 'm1', { activeState: 'active' });
    s = r.step(T0 + 6 * S);
    expect(s.record?.copies[0]?.healthySince).toBe(iso(T0 + 6 * S));
    expect(r.step(T0 + 15 * S).record?.copies[0]?.phase).toBe('replacing');
    expect(r.step(T0 + 16 * S).record?.copies[0]?.phase).toBe('done');
  });

  it('waits for a passing health check when the unit has one, and ignores no health without one', () => {
    const g = Group.template(1, { minHealthySec: 0 }, { healthCheck: true });
    const r = stepper(g);
    r.step(T0);
    g.run('web@1.service', 'm1', NEW);
    expect(r.step(T0 + S).record?.copies[0]?.phase).toBe('replacing');
    g.run('web@1.service', 'm1', NEW, 'passing');
    expect(r.step(T0 + 2 * S).record?.state).toBe('succeeded');
    const plain = Group.template(1, { minHealthySec: 0 });
    const p = stepper(plain);
    p.step(T0);
    plain.run('web@1.service', 'm1', NEW);
    expect(p.step(T0 + S).record?.state).toBe('succeeded');
  });

  it('counts a loaded unit healthy once its agent has the new contents', () => {
    const g = Group.template(1, { minHealthySec: 0 }, { desiredState: 'loaded' });
    const r = stepper(g);
    r.step(T0);
    g.publish('web@1.service', 'm1', { hash: NEW, activeState: 'inactive' });
    expect(r.step(T0 + S).record?.state).toBe('succeeded');
  });

  it('replaces a broken old copy first, and releases no healthy one while others are down', () => {
    const g = Group.template(4, { maxParallel: 2 });
    g.publish('web@3.service', 'm3', { activeState: 'failed' });
    const r = stepper(g);
    // m3 is down already: replacing it costs nothing; m1 makes two unavailable.
    expect(released(r.step(T0))).toEqual(['m3', 'm1']);
    const h = Group.template(4, { maxParallel: 2 });
    h.publish('web@3.service', 'm3', { activeState: 'failed' });
    h.publish('web@4.service', 'm4', { activeState: 'inactive' });
    // Two down: both replaced, no healthy copy goes.
    expect(released(stepper(h).step(T0))).toEqual(['m3', 'm4']);
    const k = Group.template(4, { maxParallel: 1 });
    const rk = stepper(k);
    rk.step(T0);
    k.run('web@1.service', 'm1', NEW);
    rk.step(T0 + S);
    rk.step(T0 + 11 * S); // m1 done, m2 released
    k.run('web@2.service', 'm2', NEW);
    rk.step(T0 + 12 * S);
    k.publish('web@1.service', 'm1', { activeState: 'activating' }); // a done copy lapses
    const s = rk.step(T0 + 22 * S); // m2 done, but m1 is down: nothing new
    expect(phases(s.record)).toEqual(['m1:done', 'm2:done', 'm3:pending', 'm4:pending']);
    expect(s.release).toEqual([]);
  });

  it('holds new waves while paused; copies in flight still finish', () => {
    const g = Group.template(3, { maxParallel: 1, minHealthySec: 0 });
    const r = stepper(g);
    const first = r.step(T0);
    const paused = { ...(first.record as RolloutRecord), state: 'paused' as const };
    g.run('web@1.service', 'm1', NEW);
    let s = stepRollout(g.input(paused, T0 + S));
    expect(phases(s.record)).toEqual(['m1:done', 'm2:pending', 'm3:pending']);
    expect(s.record?.state).toBe('paused');
    expect(s.release).toEqual([]);
    s = stepRollout(g.input({ ...(s.record as RolloutRecord), state: 'running' }, T0 + 2 * S));
    expect(released(s)).toEqual(['m2']);
  });
});

describe('stepRollout: failure and rollback', () => {
  function twoReleased(p: { autoRevert?: boolean } = {}) {
    const g = Group.template(4, { maxParallel: 2, ...p });
    const r = stepper(g);
    r.step(T0);
    g.run('web@1.service', 'm1', NEW);
    g.assign('web@2.service', 'm2', NEW);
    r.step(T0 + S);
    return { g, r };
  }

  it('fails on a failed unit, puts every replaced copy back at once and says why', () => {
    const { g, r } = twoReleased();
    g.publish('web@2.service', 'm2', { hash: NEW, activeState: 'failed' });
    const s = r.step(T0 + 2 * S);
    expect(s.record?.state).toBe('rolling-back');
    expect(s.record?.reason).toBe('web@2.service on m2: unit failed');
    expect(phases(s.record)).toEqual(['m1:reverted', 'm2:reverted', 'm3:pending', 'm4:pending']);
    expect(released(s)).toEqual([]);
    expect(s.revert.map((c) => c.machineId)).toEqual(['m1', 'm2']);
    expect(s.revertUnits).toEqual([
      'web@1.service',
      'web@2.service',
      'web@3.service',
      'web@4.service',
    ]);
    expect(s.events.map((e) => [e.kind, e.message])).toEqual([
      ['rollout.failed', 'rollout 1 of web@.service failed: web@2.service on m2: unit failed'],
    ]);
    expect(s.finished).toBe(false);
  });

  it('fails on a failing health check, with its output', () => {
    const { g, r } = twoReleased();
    g.states = g.states.map((x) =>
      x.machineId === 'm1' ? { ...x, health: { status: 'failing', output: 'HTTP 500' } } : x,
    );
    expect(r.step(T0 + 2 * S).record?.reason).toBe(
      'web@1.service on m1: health check failing: HTTP 500',
    );
  });

  it('fails a copy not healthy healthyDeadlineSec after it was replaced', () => {
    const g = Group.template(2, { healthyDeadlineSec: 60 });
    const r = stepper(g);
    r.step(T0);
    g.assign('web@1.service', 'm1', NEW);
    expect(r.step(T0 + 59 * S).record?.state).toBe('running');
    const s = r.step(T0 + 60 * S);
    expect(s.record?.reason).toBe('web@1.service on m1: not healthy 60 s after it was replaced');
  });

  it('ends rolled back once the units and the copies put back carry the old contents', () => {
    const { g, r } = twoReleased();
    g.publish('web@1.service', 'm1', { health: { status: 'failing' } });
    r.step(T0 + 2 * S);
    g.setUnitHash(OLD); // the engine wrote the old contents back
    g.assign('web@1.service', 'm1', OLD);
    let s = r.step(T0 + 3 * S);
    expect(s.record?.state).toBe('rolling-back'); // m2 still carries the new contents
    expect(s.revertUnits).toEqual([]);
    g.assign('web@2.service', 'm2', OLD);
    s = r.step(T0 + 4 * S);
    expect(s.record).toMatchObject({ state: 'rolled-back', finishedAt: iso(T0 + 4 * S) });
    expect(s.finished).toBe(true);
    expect(s.events.map((e) => e.kind)).toEqual(['rollout.rolled-back']);
    // Nothing more to roll afterwards.
    expect(r.step(T0 + 5 * S, 1).record).toBeUndefined();
  });

  it('stays failed without autoRevert, releasing nothing until the group changes', () => {
    const { g, r } = twoReleased({ autoRevert: false });
    g.publish('web@1.service', 'm1', { activeState: 'failed' });
    let s = r.step(T0 + 2 * S);
    expect(s.record?.state).toBe('failed');
    expect(s.revert).toEqual([]);
    expect(s.revertUnits).toEqual([]);
    s = r.step(T0 + 100 * S);
    expect(s).toMatchObject({ write: false, release: [], finished: false });
    expect(s.record?.state).toBe('failed');
    // The operator applies a fix: the failed rollout ends and a new one starts from the last good.
    g.setUnitHash(NEWER);
    s = r.step(T0 + 101 * S);
    expect(s.superseded).toMatchObject({ id: 1, state: 'failed' });
    expect(s.superseded?.reason).toBe(
      'web@1.service on m1: unit failed; superseded: the group changed to ccccccc',
    );
    expect(s.record).toMatchObject({ id: 2, state: 'running', fromHash: OLD, toHash: NEWER });
    // Its failure was told once, when it failed.
    expect(s.events.map((e) => e.kind)).toEqual(['rollout.started', 'rollout.step']);
  });
});

describe('stepRollout: records', () => {
  it('writes nothing when nothing changed, whatever the key order of the stored record', () => {
    const g = Group.template(2);
    const r = stepper(g);
    const first = r.step(T0).record as RolloutRecord;
    const reordered = Object.fromEntries(
      Object.entries(first).reverse(),
    ) as unknown as RolloutRecord;
    const s = stepRollout(g.input({ ...reordered, revision: '77' }, T0 + S));
    expect(s.write).toBe(false);
    expect(s.record?.updatedAt).toBe(iso(T0));
  });

  it('ends a rollout whose group changed under it and starts the next from its last good version', () => {
    const g = Group.template(3);
    const r = stepper(g);
    r.step(T0);
    g.setUnitHash(NEWER);
    const s = r.step(T0 + S, 1);
    expect(s.superseded).toMatchObject({
      id: 1,
      state: 'failed',
      reason: 'superseded: the group changed to ccccccc',
      finishedAt: iso(T0 + S),
    });
    expect(s.record).toMatchObject({ id: 2, fromHash: OLD, toHash: NEWER });
    expect(s.events.map((e) => e.kind)).toEqual([
      'rollout.failed',
      'rollout.started',
      'rollout.step',
    ]);
  });

  it('takes in the units of the group given the new contents after it started', () => {
    const g = Group.template(3, { maxParallel: 1 });
    g.units = g.units.map((u) => (u.name === 'web@1.service' ? u : { ...u, hash: OLD }));
    const r = stepper(g);
    expect(r.step(T0).record?.units).toEqual(['web@1.service']);
    g.setUnitHash(NEW); // web@2 and web@3 written a moment later
    const s = r.step(T0 + S);
    expect(s.superseded).toBeUndefined();
    expect(s.record?.units).toEqual(['web@1.service', 'web@2.service', 'web@3.service']);
    expect(phases(s.record)).toEqual(['m1:replacing', 'm2:pending', 'm3:pending']);
    // A rollback writes them all back.
    g.publish('web@1.service', 'm1', { hash: NEW, activeState: 'failed' });
    g.assign('web@1.service', 'm1', NEW);
    expect(r.step(T0 + 2 * S).revertUnits).toEqual([
      'web@1.service',
      'web@2.service',
      'web@3.service',
    ]);
  });

  it('adds copies placed during the rollout and drops copies gone', () => {
    const g = Group.global(2, { maxParallel: 1 });
    const r = stepper(g);
    r.step(T0);
    // m3 joined: its copy was placed with the new contents; m2 left.
    g.assignments = [
      ...g.assignments.filter((a) => a.machineId !== 'm2'),
      { unit: 'g.service', machineId: 'm3', hash: NEW },
    ];
    const s = r.step(T0 + S);
    expect(phases(s.record)).toEqual(['m1:replacing', 'm3:replacing']);
    expect(s.record?.copies[1]?.replacedAt).toBe(iso(T0 + S));
  });

  it('succeeds once every copy is done, and starts nothing after', () => {
    const g = Group.template(2, { maxParallel: 2, minHealthySec: 0 });
    const r = stepper(g);
    r.step(T0);
    g.run('web@1.service', 'm1', NEW);
    g.run('web@2.service', 'm2', NEW);
    const s = r.step(T0 + S);
    expect(s.record).toMatchObject({ state: 'succeeded', finishedAt: iso(T0 + S) });
    expect(s.events.map((e) => [e.kind, e.message])).toEqual([
      ['rollout.succeeded', 'rollout 1 of web@.service succeeded: 2 copies on bbbbbbb'],
    ]);
    expect(r.step(T0 + 2 * S, 1).record).toBeUndefined();
  });
});
