import { describe, expect, it } from 'vitest';
import type { FinalUnit, UnitSpec } from './history.js';
import { HistoryRecorder } from './recorder.js';
import {
  checkAll,
  conflicts,
  exclusive,
  fencing,
  globals,
  lostWrites,
  oneCopy,
  resources,
  restarts,
  settled,
  stuckLeader,
  type InvariantOptions,
} from './invariants.js';

const T0 = 1_000_000;
const s = (sec: number) => T0 + sec * 1000;
const opts: InvariantOptions = {
  ttlMs: 10_000,
  slackMs: 5_000,
  moveSlackMs: 3_000,
  conflictSlackMs: 500,
  stuckMs: 10_000,
  settleMs: 30_000,
  bounds: { heap: 100 },
};
const spec = (name: string, more: Partial<UnitSpec> = {}): UnitSpec => ({
  name,
  global: false,
  conflicts: [],
  replaces: [],
  ...more,
});
const unit = (name: string, more: Partial<FinalUnit> = {}): FinalUnit => ({
  name,
  desiredState: 'launched',
  global: false,
  assignedTo: [],
  placeable: true,
  ...more,
});
/** Runs `unit` on `machine` from `from` to `to` seconds (undefined: to the end). */
function run(
  r: HistoryRecorder,
  machine: string,
  unit: string,
  from: number,
  to?: number,
  pid?: number,
) {
  r.observeUnits(s(from), machine, new Map([[unit, pid]]));
  if (to !== undefined) r.observeUnits(s(to), machine, new Map());
}

describe('HistoryRecorder', () => {
  it('turns observations into run intervals, splitting on a new PID', () => {
    const r = new HistoryRecorder(T0);
    r.observeUnits(s(1), 'm1', new Map([['a.service', 10]]));
    r.observeUnits(s(2), 'm1', new Map([['a.service', 10]]));
    r.observeUnits(s(3), 'm1', new Map([['a.service', 11]]));
    r.observeUnits(s(4), 'm1', new Map());
    r.observeUnits(s(5), 'm1', new Map([['a.service', 12]]));
    expect(r.history().runs).toEqual([
      { unit: 'a.service', machine: 'm1', from: s(1), to: s(3), pid: 10 },
      { unit: 'a.service', machine: 'm1', from: s(3), to: s(4), pid: 11 },
      { unit: 'a.service', machine: 'm1', from: s(5), pid: 12 },
    ]);
  });
});

describe('(a) oneCopy', () => {
  it('allows a move overlap within the move slack', () => {
    const r = new HistoryRecorder(T0);
    run(r, 'm1', 'a.service', 0, 12);
    run(r, 'm2', 'a.service', 10);
    expect(oneCopy(r.history(), opts)).toEqual([]);
  });

  it('reports two copies with no fault to explain them', () => {
    const r = new HistoryRecorder(T0);
    run(r, 'm1', 'a.service', 0, 30);
    run(r, 'm2', 'a.service', 10);
    const v = oneCopy(r.history(), opts);
    expect(v).toHaveLength(1);
    expect(v[0]?.description).toBe(
      'a.service ran on m1 and m2 at once from t+10.0s for 20.0 s; 17.0 s of it unexplained from t+13.0s ' +
        '(move slack 3.0 s; no isolating fault on m1)',
    );
  });

  it('explains the overlap of a cut machine for the fault + TTL + slack, but not in strict mode', () => {
    const r = new HistoryRecorder(T0);
    const f = r.applyFault(s(5), 'link-cut', 'm1', { machine: 'm1' });
    run(r, 'm1', 'a.service', 0, 40);
    r.healFault(s(25), f);
    run(r, 'm2', 'a.service', 20);
    expect(oneCopy(r.history(), opts)).toEqual([]);
    expect(oneCopy(r.history(), { ...opts, strict: true })).toHaveLength(1);
  });

  it('reports the overlap that outlasts the allowance of the fault', () => {
    const r = new HistoryRecorder(T0);
    const f = r.applyFault(s(5), 'fleetd-pause', 'm1', { machine: 'm1' });
    r.healFault(s(10), f);
    run(r, 'm1', 'a.service', 0, 60); // allowance ends at 10 + 10 + 5 = 25 s
    run(r, 'm2', 'a.service', 20);
    const v = oneCopy(r.history(), opts);
    expect(v).toHaveLength(1);
    expect(v[0]?.at).toBe(s(25));
  });

  it('does not count a non-isolating fault, nor one on the other machine', () => {
    const r = new HistoryRecorder(T0);
    r.applyFault(s(1), 'failed-list', 'm1', { machine: 'm1' });
    r.applyFault(s(1), 'link-cut', 'm2', { machine: 'm2' });
    run(r, 'm1', 'a.service', 0, 60);
    run(r, 'm2', 'a.service', 20);
    expect(oneCopy(r.history(), opts)).toHaveLength(1);
  });

  it('ignores global units', () => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('g.service', { global: true }));
    run(r, 'm1', 'g.service', 0);
    run(r, 'm2', 'g.service', 0);
    expect(oneCopy(r.history(), opts)).toEqual([]);
  });
});

describe('(b) lostWrites', () => {
  const base = (final: FinalUnit[]) => {
    const r = new HistoryRecorder(T0);
    const c = r.writeStarted(s(1), 'a.service', 'create', 'launched');
    r.writeEnded(s(2), c, 'ok');
    return { r, final: (at: number) => r.finish({ at: s(at), machines: [], units: final }) };
  };

  it('passes when the final state is the last acknowledged write', () => {
    const { r, final } = base([unit('a.service', { desiredState: 'inactive' })]);
    const w = r.writeStarted(s(3), 'a.service', 'set-state', 'inactive');
    r.writeEnded(s(4), w, 'ok');
    final(10);
    expect(lostWrites(r.history())).toEqual([]);
  });

  it('reports an acknowledged write that the final state lost', () => {
    const { r, final } = base([unit('a.service', { desiredState: 'launched' })]);
    const w = r.writeStarted(s(3), 'a.service', 'set-state', 'inactive');
    r.writeEnded(s(4), w, 'ok');
    final(10);
    const v = lostWrites(r.history());
    expect(v.map((x) => x.description)).toEqual([
      'a.service ended as launched, which no write that could come last set; ' +
        'the last acknowledged write was set-state → inactive (t+3.0s–t+4.0s)',
    ]);
  });

  it('lets an unknown write apply or not, and concurrent writes land in either order', () => {
    for (const end of ['inactive', 'loaded', 'launched'] as const) {
      const { r, final } = base([unit('a.service', { desiredState: end })]);
      const u = r.writeStarted(s(3), 'a.service', 'set-state', 'inactive');
      r.writeEnded(s(4), u, 'unknown');
      const x = r.writeStarted(s(5), 'a.service', 'set-state', 'loaded');
      const y = r.writeStarted(s(5.5), 'a.service', 'set-state', 'launched');
      r.writeEnded(s(6), x, 'ok');
      r.writeEnded(s(6), y, 'ok');
      final(10);
      // inactive came before both acknowledged writes: it cannot be last.
      expect(lostWrites(r.history())).toHaveLength(end === 'inactive' ? 1 : 0);
    }
  });

  it('never takes an error as applied, and knows a destroy', () => {
    const { r, final } = base([]);
    const d = r.writeStarted(s(3), 'a.service', 'destroy', 'absent');
    r.writeEnded(s(4), d, 'ok');
    final(10);
    expect(lostWrites(r.history())).toEqual([]);
    const e = base([unit('a.service', { desiredState: 'loaded' })]);
    const w = e.r.writeStarted(s(3), 'a.service', 'set-state', 'loaded');
    e.r.writeEnded(s(4), w, 'error');
    e.final(10);
    expect(lostWrites(e.r.history())).toHaveLength(1);
  });
});

describe('(c) fencing', () => {
  const history = (token: string, revision: number) => {
    const r = new HistoryRecorder(T0);
    r.leader({ at: s(0), revision: 5, holder: 'm1', token: '5' });
    r.leader({ at: s(10), revision: 20 });
    r.leader({ at: s(11), revision: 22, holder: 'm2', token: '22' });
    r.assignment({
      at: s(1),
      revision: 7,
      unit: 'a.service',
      machine: 'm1',
      op: 'schedule',
      token: '5',
    });
    r.assignment({ at: s(12), revision, unit: 'b.service', machine: 'm2', op: 'schedule', token });
    return r.history();
  };

  it('passes when every write is inside its own term', () => {
    expect(fencing(history('22', 25))).toEqual([]);
  });

  it("reports a deposed leader's write", () => {
    expect(fencing(history('5', 25)).map((v) => v.description)).toEqual([
      "schedule b.service on m2 committed at revision 25 under token 5, when the leader key was m2's (token 22)",
    ]);
    expect(fencing(history('5', 21))[0]?.description).toContain('when nobody held the leader key');
  });
});

describe('(c) stuckLeader', () => {
  const history = (passEvery: number, placeable: boolean) => {
    const r = new HistoryRecorder(T0);
    r.leader({ at: s(0), holder: 'm1', token: '5' });
    for (let t = 0; t <= 60; t += 2) {
      r.observePending({ at: s(t), pending: t >= 10 ? [{ unit: 'a.service', placeable }] : [] });
      if (t % passEvery === 0) r.pass({ at: s(t), holder: 'm1', token: '5' });
    }
    r.finish({ at: s(60), machines: [], units: [] });
    return r;
  };

  it('passes while the leader keeps passing and the unit cannot be placed', () => {
    expect(stuckLeader(history(2, false).history(), opts)).toEqual([]);
  });

  it('reports a leader that holds the key and makes no pass (F1)', () => {
    const v = stuckLeader(history(1000, false).history(), opts);
    expect(v.map((x) => x.description)).toEqual([
      'm1 held the leader key (token 5) and made no reconcile pass for 50.0 s from t+10.0s while units waited for a machine',
    ]);
  });

  it('reports a placeable unit left unplaced although the leader passes', () => {
    const v = stuckLeader(history(2, true).history(), opts);
    expect(v.map((x) => x.description)).toEqual([
      'a.service could be placed but waited 50.0 s from t+10.0s while m1 held the leader key (token 5)',
    ]);
  });

  it("excuses the wait while the leader's machine is isolated, until TTL + slack after the heal", () => {
    const r = history(1000, true);
    const f = r.applyFault(s(5), 'fleetd-pause', 'm1', { machine: 'm1' });
    r.healFault(s(40), f);
    expect(stuckLeader(r.history(), opts)).toEqual([]);
  });
});

describe('(d) globals', () => {
  const history = (on: string[]) => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('g.service', { global: true }));
    for (const m of on) run(r, m, 'g.service', 1);
    r.finish({
      at: s(10),
      machines: [
        { id: 'm1', live: true },
        { id: 'm2', live: true },
        { id: 'm3', live: false },
      ],
      units: [unit('g.service', { global: true })],
    });
    return r.history();
  };

  it('passes when the global runs on every live machine', () => {
    expect(globals(history(['m1', 'm2']))).toEqual([]);
  });

  it('reports a live machine without it', () => {
    expect(globals(history(['m1'])).map((v) => v.description)).toEqual([
      'global g.service is not running on m2 at the end (t+10.0s)',
    ]);
  });
});

describe('(e) restarts', () => {
  it('explains a stop by a write to the unit, or by a fault of its machine that may stop it', () => {
    const r = new HistoryRecorder(T0);
    run(r, 'm1', 'a.service', 0, 10);
    const w = r.writeStarted(s(9), 'a.service', 'set-state', 'inactive');
    r.writeEnded(s(9.5), w, 'ok');
    run(r, 'm2', 'b.service', 0, 20);
    const f = r.applyFault(s(3), 'link-cut', 'm2', { machine: 'm2' });
    r.healFault(s(15), f);
    r.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(r.history(), opts)).toEqual([]);
  });

  it('reports a global restarted after a cut (F7) and a flap on an unfaulted machine (F4)', () => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('g.service', { global: true }));
    run(r, 'm1', 'g.service', 0, 20);
    run(r, 'm1', 'g.service', 25);
    const f = r.applyFault(s(3), 'link-cut', 'm1', { machine: 'm1' });
    r.healFault(s(18), f);
    run(r, 'm2', 'x.service', 0, 30);
    r.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(r.history(), opts).map((v) => v.description)).toEqual([
      'global g.service stopped on m1 at t+20.0s and started again at t+25.0s with no write to it ' +
        '(machine faults before: link-cut t+3.0s, none may stop it)',
      'x.service stopped on m2 at t+30.0s with no write to it and no fault of the machine',
    ]);
  });

  it('explains a stop of a unit whose Conflicts partner was written', () => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('b.service', { conflicts: ['a*.service'] }));
    run(r, 'm1', 'a1.service', 0, 10);
    const w = r.writeStarted(s(8), 'b.service', 'create', 'launched');
    r.writeEnded(s(8.1), w, 'ok');
    r.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(r.history(), opts)).toEqual([]);
  });
});

describe('(f) settled', () => {
  const machines = [
    { id: 'm1', live: true },
    { id: 'm2', live: true },
  ];

  it('passes when what runs is what is assigned, long enough after the last heal', () => {
    const r = new HistoryRecorder(T0);
    const f = r.applyFault(s(1), 'link-cut', 'm1', { machine: 'm1' });
    r.healFault(s(10), f);
    run(r, 'm1', 'a.service', 2);
    r.finish({
      at: s(50),
      machines,
      units: [
        unit('a.service', { assignedTo: ['m1'] }),
        unit('b.service', { desiredState: 'loaded', assignedTo: ['m2'] }),
      ],
    });
    expect(settled(r.history(), opts)).toEqual([]);
  });

  it('reports a run that never settled', () => {
    const r = new HistoryRecorder(T0);
    const f = r.applyFault(s(1), 'link-cut', 'm1', { machine: 'm1' });
    r.healFault(s(10), f);
    r.observeUnits(
      s(2),
      'm1',
      new Map([
        ['a.service', undefined],
        ['gone.service', undefined],
      ]),
    );
    run(r, 'm2', 'a.service', 2);
    r.finish({
      at: s(30),
      machines,
      units: [unit('a.service', { assignedTo: ['m1'] }), unit('c.service')],
    });
    expect(settled(r.history(), opts).map((v) => v.description)).toEqual([
      'the final state was read 20.0 s after the last heal, before the 30.0 s to settle',
      'a.service is assigned to m1 but also runs on m2',
      'c.service is launched and could be placed, but no live machine has it',
      'gone.service was destroyed but still runs on m1',
    ]);
  });
});

describe('(g) conflicts', () => {
  const history = (stopAt: number) => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('b.service', { replaces: ['a.service'] }));
    run(r, 'm1', 'a.service', 0, stopAt);
    run(r, 'm1', 'b.service', 10);
    run(r, 'm2', 'a.service', 10);
    return r.history();
  };

  it('passes when B starts once A is stopped (within the observation slack)', () => {
    expect(conflicts(history(10.4), opts)).toEqual([]);
  });

  it('reports B running while A stops (F9)', () => {
    expect(conflicts(history(15), opts).map((v) => v.description)).toEqual([
      'a.service and b.service exclude each other but ran together on m1 for 5.0 s from t+10.0s (slack 0.5 s)',
    ]);
  });
});

describe('(h) resources', () => {
  it('passes under the bound and reports the first sample over it', () => {
    const r = new HistoryRecorder(T0);
    r.sample({ at: s(1), name: 'heap', value: 50 });
    r.sample({ at: s(2), name: 'other', value: 1e9 });
    expect(resources(r.history(), opts)).toEqual([]);
    r.sample({ at: s(3), name: 'heap', value: 150 });
    r.sample({ at: s(4), name: 'heap', value: 160 });
    expect(resources(r.history(), opts).map((v) => v.description)).toEqual([
      'heap reached 150 at t+3.0s (bound 100)',
    ]);
  });
});

describe('checkAll', () => {
  it('finds nothing in a quiet, settled history', () => {
    const r = new HistoryRecorder(T0);
    r.leader({ at: s(0), revision: 3, holder: 'm1', token: '3' });
    const w = r.writeStarted(s(1), 'a.service', 'create', 'launched');
    r.writeEnded(s(1.1), w, 'ok');
    r.assignment({
      at: s(2),
      revision: 5,
      unit: 'a.service',
      machine: 'm2',
      op: 'schedule',
      token: '3',
    });
    r.pass({ at: s(2), holder: 'm1', token: '3' });
    r.observePending({ at: s(1.5), pending: [{ unit: 'a.service', placeable: true }] });
    r.observePending({ at: s(2.5), pending: [] });
    run(r, 'm2', 'a.service', 3);
    r.finish({
      at: s(40),
      machines: [
        { id: 'm1', live: true },
        { id: 'm2', live: true },
      ],
      units: [unit('a.service', { assignedTo: ['m2'] })],
    });
    expect(checkAll(r.history(), opts)).toEqual([]);
  });
});

describe('(a) oneCopy with slow stops', () => {
  it('explains a copy kept by a slow stop until its delay + the move slack after the heal', () => {
    const make = (stopAt: number) => {
      const r = new HistoryRecorder(T0);
      const f = r.applyFault(s(1), 'systemd-slow-stop', 'm1', { machine: 'm1', extendsMs: 10_000 });
      r.healFault(s(5), f);
      run(r, 'm1', 'a.service', 0, stopAt);
      run(r, 'm2', 'a.service', 4);
      return oneCopy(r.history(), opts);
    };
    expect(make(17)).toEqual([]); // 5 + 10 + 3 = 18 s
    expect(make(20)).toHaveLength(1);
  });
});

describe('(g) which units exclude each other', () => {
  it('follows the scheduler: Conflicts always, Replaces only between non-globals and one way', () => {
    const a = spec('a.service', { conflicts: ['b*.service'] });
    const b = spec('b1.service');
    expect(exclusive(a, b, 'a.service', 'b1.service')).toBe(true);
    expect(exclusive(b, a, 'b1.service', 'a.service')).toBe(true);
    const r = spec('r.service', { replaces: ['g.service'] });
    expect(exclusive(r, spec('g.service'), 'r.service', 'g.service')).toBe(true);
    expect(exclusive(r, spec('g.service', { global: true }), 'r.service', 'g.service')).toBe(false);
    const back = spec('g.service', { replaces: ['r.service'] });
    expect(exclusive(r, back, 'r.service', 'g.service')).toBe(false);
  });
});

describe('(e) restarts through a chain of relations', () => {
  it('explains a follower moved with the unit a new unit replaced', () => {
    const r = new HistoryRecorder(T0);
    r.describeUnit(spec('follower.service', { machineOf: 'b.service' }));
    r.describeUnit(spec('b.service'));
    r.describeUnit(spec('c.service', { replaces: ['b.service'] }));
    run(r, 'm1', 'follower.service', 0, 10);
    const w = r.writeStarted(s(9), 'c.service', 'create', 'launched');
    r.writeEnded(s(9.1), w, 'ok');
    r.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(r.history(), opts)).toEqual([]);
    const alone = new HistoryRecorder(T0);
    alone.describeUnit(spec('follower.service', { machineOf: 'b.service' }));
    alone.describeUnit(spec('c.service'));
    run(alone, 'm1', 'follower.service', 0, 10);
    const x = alone.writeStarted(s(9), 'c.service', 'create', 'launched');
    alone.writeEnded(s(9.1), x, 'ok');
    alone.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(alone.history(), opts)).toHaveLength(1);
  });
});

describe('(e) a stop the desired state asks for', () => {
  it('explains a stop of a unit started from a stale view after it was set to loaded', () => {
    const r = new HistoryRecorder(T0);
    const c = r.writeStarted(s(1), 'a.service', 'create', 'launched');
    r.writeEnded(s(1.1), c, 'ok');
    const w = r.writeStarted(s(5), 'a.service', 'set-state', 'loaded');
    r.writeEnded(s(5.1), w, 'ok');
    run(r, 'm1', 'a.service', 8, 9); // started late from a lagging watch, then stopped
    r.finish({ at: s(100), machines: [], units: [] });
    expect(restarts(r.history(), opts)).toEqual([]);
    const back = r.writeStarted(s(6), 'a.service', 'set-state', 'launched');
    r.writeEnded(s(6.1), back, 'ok');
    expect(restarts(r.history(), opts)).toHaveLength(1);
  });
});

describe('(c) stuckLeader and a late watch', () => {
  it("excuses a wait while the leader's watches are held, not while its listings fail", () => {
    const make = (kind: 'watch-replay' | 'failed-list') => {
      const r = new HistoryRecorder(T0);
      r.leader({ at: s(0), holder: 'm1', token: '5' });
      for (let t = 0; t <= 60; t += 2) {
        r.observePending({
          at: s(t),
          pending: t >= 10 ? [{ unit: 'a.service', placeable: true }] : [],
        });
        r.pass({ at: s(t), holder: 'm1', token: '5' });
      }
      const f = r.applyFault(s(8), kind, 'm1', { machine: 'm1' });
      r.healFault(s(40), f);
      r.finish({ at: s(60), machines: [], units: [] });
      return stuckLeader(r.history(), opts);
    };
    expect(make('watch-replay')).toEqual([]);
    expect(make('failed-list')).toHaveLength(1);
  });
});

describe('(a) oneCopy and a watch that lost events', () => {
  it('allows the copy until the re-list after the heal (extendsMs), not after', () => {
    const make = (stopAt: number) => {
      const r = new HistoryRecorder(T0);
      const f = r.applyFault(s(1), 'watch-drop', 'm1', { machine: 'm1', extendsMs: 60_000 });
      r.healFault(s(5), f);
      run(r, 'm1', 'a.service', 0, stopAt);
      run(r, 'm2', 'a.service', 3);
      return oneCopy(r.history(), opts);
    };
    expect(make(75)).toEqual([]); // 5 + 60 + 10 + 5 = 80 s
    expect(make(90)).toHaveLength(1);
  });
});
