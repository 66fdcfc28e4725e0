import { describe, expect, it } from 'vitest';
import { planCluster } from './plan.js';
import { apply, machine, placement, unit } from './testing/index.js';
import type { Snapshot, SnapshotAssignment, SnapshotMachine, SnapshotUnit } from './types.js';

const M1 = '1111111111111111111111111111111a';
const M2 = '2222222222222222222222222222222b';
const M3 = '3333333333333333333333333333333c';
const three = [machine(M1), machine(M2), machine(M3)];

function snap(
  units: SnapshotUnit[],
  machines: SnapshotMachine[],
  assignments: SnapshotAssignment[] = [],
): Snapshot {
  return { units, machines, assignments };
}

/** Plans, applies, and checks that planning again changes nothing. */
function settle(s: Snapshot) {
  const plan = planCluster(s);
  const after = apply(s, plan);
  const again = planCluster({ ...s, assignments: after });
  expect(again.tasks).toEqual([]);
  return { plan, after, where: placement(after) };
}

const at = (u: SnapshotUnit, machineId: string): SnapshotAssignment => ({
  unit: u.name,
  machineId,
  hash: u.hash,
  desiredState: u.desiredState,
});

describe('planCluster: placement', () => {
  it('places on the least-loaded machine, ties broken by machine ID', () => {
    const { where, plan } = settle(
      snap([unit('a.service'), unit('b.service'), unit('c.service')], three.slice(0, 2)),
    );
    expect(where).toEqual({ 'a.service': [M1], 'b.service': [M2], 'c.service': [M1] });
    expect(plan.tasks.map((t) => t.reason)).toEqual(
      Array(3).fill('target state launched and unit not scheduled'),
    );
  });

  it('gives the same plan for the same snapshot in any input order', () => {
    const units = [
      unit('x.service'),
      unit('a.service', ['Conflicts=x.service']),
      unit('g.service', ['Global=true']),
    ];
    const a = planCluster(snap(units, three));
    const b = planCluster(snap([...units].reverse(), [...three].reverse()));
    expect(b).toEqual(a);
  });

  it('schedules loaded units too, and never inactive ones', () => {
    const { where } = settle(
      snap([unit('l.service', [], 'loaded'), unit('i.service', [], 'inactive')], three),
    );
    expect(where).toEqual({ 'l.service': [M1] });
  });

  it('keeps valid assignments where they are (no rebalancing)', () => {
    const a = unit('a.service');
    const b = unit('b.service');
    const { plan, where } = settle(snap([a, b], three, [at(a, M3), at(b, M3)]));
    expect(plan.tasks).toEqual([]);
    expect(where).toEqual({ 'a.service': [M3], 'b.service': [M3] });
  });

  it('says why a unit waits when there is no machine at all', () => {
    const plan = planCluster(snap([unit('a.service')], []));
    expect(plan.waiting).toEqual([{ unit: 'a.service', reason: 'no machines are available' }]);
  });
});

describe('planCluster: unscheduling', () => {
  it('unschedules a unit whose target state is inactive', () => {
    const a = unit('a.service', [], 'inactive');
    const { plan, where } = settle(snap([a], three, [at(unit('a.service'), M1)]));
    expect(plan.tasks).toEqual([
      { kind: 'unschedule', unit: 'a.service', machineId: M1, reason: 'target state inactive' },
    ]);
    expect(where).toEqual({});
  });

  it('unschedules a destroyed unit', () => {
    const { plan } = settle(snap([], three, [at(unit('gone.service'), M2)]));
    expect(plan.tasks).toEqual([
      { kind: 'unschedule', unit: 'gone.service', machineId: M2, reason: 'unit destroyed' },
    ]);
  });

  it('moves the units of a machine that went away in the same pass', () => {
    const a = unit('a.service');
    const { plan, where } = settle(snap([a], [machine(M2), machine(M3)], [at(a, M1)]));
    expect(plan.tasks[0]).toEqual({
      kind: 'unschedule',
      unit: 'a.service',
      machineId: M1,
      reason: `target machine ${M1} went away`,
    });
    expect(where).toEqual({ 'a.service': [M2] });
  });

  it('unschedules a unit whose machine lost the metadata it requires', () => {
    const a = unit('a.service', ['MachineMetadata=region=eu']);
    const { plan, where } = settle(
      snap([a], [machine(M1, { region: 'us' }), machine(M2, { region: 'eu' })], [at(a, M1)]),
    );
    expect(plan.tasks[0]?.reason).toBe(
      `target machine ${M1} unable to run unit: lacks metadata region=eu`,
    );
    expect(where).toEqual({ 'a.service': [M2] });
  });

  it('updates an assignment when the desired state or content changes', () => {
    const a = unit('a.service', [], 'launched');
    const b = unit('b.service', [], 'loaded', 'new-hash');
    const plan = planCluster(
      snap([a, b], three, [
        { unit: 'a.service', machineId: M1, hash: a.hash, desiredState: 'loaded' },
        { unit: 'b.service', machineId: M2, hash: 'old-hash', desiredState: 'loaded' },
      ]),
    );
    expect(plan.tasks).toEqual([
      {
        kind: 'update',
        unit: 'a.service',
        machineId: M1,
        hash: a.hash,
        desiredState: 'launched',
        reason: 'target state changed from loaded to launched',
      },
      {
        kind: 'update',
        unit: 'b.service',
        machineId: M2,
        hash: 'new-hash',
        desiredState: 'loaded',
        reason: 'unit content changed',
      },
    ]);
  });
});

describe('planCluster: MachineID', () => {
  it('matches the full machine ID and the 8-character short ID', () => {
    const { where } = settle(
      snap(
        [
          unit('full.service', [`MachineID=${M3}`]),
          unit('short.service', [`MachineID=${M2.slice(0, 8)}`]),
        ],
        three,
      ),
    );
    expect(where).toEqual({ 'full.service': [M3], 'short.service': [M2] });
  });

  it('says the required machine is missing', () => {
    const plan = planCluster(
      snap([unit('a.service', ['MachineID=deadbeefdeadbeefdeadbeefdeadbeef'])], three),
    );
    expect(plan.waiting).toEqual([
      {
        unit: 'a.service',
        reason: 'required machine deadbeefdeadbeefdeadbeefdeadbeef is not in the cluster',
      },
    ]);
  });
});

describe('planCluster: MachineMetadata', () => {
  const ms = [
    machine(M1, { region: 'us', disk: 'ssd' }),
    machine(M2, { region: 'eu', disk: 'hdd' }),
    machine(M3, { region: 'eu', disk: 'ssd' }),
  ];

  it('ORs values of one key and ANDs keys', () => {
    const { where } = settle(
      snap(
        [
          unit('a.service', ['MachineMetadata=region=eu', 'MachineMetadata=disk=ssd']),
          unit('b.service', ['MachineMetadata="region=us" "region=ap"']),
        ],
        ms,
      ),
    );
    expect(where).toEqual({ 'a.service': [M3], 'b.service': [M1] });
  });

  it('places template instances by %i and says why an instance cannot run', () => {
    const hosts = [machine(M1, { hostname: 'node1' }), machine(M2, { hostname: 'node2' })];
    const plan = planCluster(
      snap(
        [
          unit('metadata@node2.service', ['MachineMetadata=hostname=%i']),
          unit('metadata@invalid.service', ['MachineMetadata=hostname=%i']),
        ],
        hosts,
      ),
    );
    expect(placement(apply(snap([], hosts), plan))).toEqual({ 'metadata@node2.service': [M2] });
    expect(plan.waiting).toEqual([
      { unit: 'metadata@invalid.service', reason: 'no machine has metadata hostname=invalid' },
    ]);
  });
});

describe('planCluster: Conflicts', () => {
  it('runs 3 of 5 mutually conflicting units on 3 machines, one per machine', () => {
    const units = [0, 1, 2, 3, 4].map((i) =>
      unit(`conflict.${i}.service`, ['Conflicts=conflict.*']),
    );
    const { where, plan } = settle(snap(units, three));
    expect(Object.keys(where)).toHaveLength(3);
    expect(new Set(Object.values(where).flat()).size).toBe(3);
    expect(plan.waiting).toHaveLength(2);
    // Each machine runs one of the three placed units: all are named, each counted once.
    const reason = `0/3 machines available: ${Object.keys(where)
      .sort()
      .map((u) => `1 runs conflicting unit ${u}`)
      .join(', ')}`;
    expect(plan.waiting).toEqual([
      { unit: 'conflict.3.service', reason },
      { unit: 'conflict.4.service', reason },
    ]);
  });

  it('honours a one-way conflict: a unit declaring Conflicts blocks one that declares none', () => {
    const blocker = unit('blocker.service', ['Conflicts=hello.service']);
    const hello = unit('hello.service');
    const plan = planCluster(snap([blocker, hello], [machine(M1)], [at(blocker, M1)]));
    expect(plan.tasks).toEqual([]);
    expect(plan.waiting).toEqual([
      { unit: 'hello.service', reason: 'every machine runs conflicting unit blocker.service' },
    ]);
    const { where } = settle(snap([hello], [machine(M1)], [at(blocker, M1)]));
    expect(where).toEqual({ 'hello.service': [M1] });
  });

  it('honours several Conflicts lines', () => {
    const units = [
      unit('a.service', ['Conflicts=b.service', 'Conflicts=c.service']),
      unit('b.service', ['Conflicts=a.service', 'Conflicts=c.service']),
      unit('c.service', ['Conflicts=a.service b.service']),
    ];
    const { where } = settle(snap(units, three));
    expect(new Set(Object.values(where).flat()).size).toBe(3);
  });

  it('finds a conflict by scanning once more than 256 distinct Conflicts globs are indexed', () => {
    // 300 units with a glob each fill the glob index (256 globs) before w.service is checked: its
    // glob is answered by scanning the machine. Only w declares the conflict (t declares none).
    const t = unit('t.service');
    const fillers = Array.from({ length: 300 }, (_, i) =>
      unit(`f${String(i).padStart(3, '0')}.service`, [`Conflicts=zz${i}.service`]),
    );
    const w = unit('w.service', ['Conflicts=t.service']);
    const s = snap([t, ...fillers, w], [machine(M1)], [at(t, M1)]);
    for (const indexGlobsAfter of [0, Infinity]) {
      const plan = planCluster(s, { indexGlobsAfter });
      expect(plan.tasks.filter((x) => x.unit === 'w.service')).toEqual([]);
      expect(plan.waiting).toEqual([
        { unit: 'w.service', reason: 'every machine runs conflicting unit t.service' },
      ]);
      expect(plan.tasks.filter((x) => x.kind === 'schedule')).toHaveLength(300);
    }
  });

  it('unschedules the later of two conflicting units found on one machine', () => {
    const a = unit('a.service', ['Conflicts=b.service']);
    const b = unit('b.service');
    const { plan, where } = settle(snap([a, b], three.slice(0, 2), [at(a, M1), at(b, M1)]));
    expect(plan.tasks[0]).toEqual({
      kind: 'unschedule',
      unit: 'b.service',
      machineId: M1,
      reason: `conflicts with a.service on ${M1}`,
    });
    expect(where).toEqual({ 'a.service': [M1], 'b.service': [M2] });
  });
});

describe('planCluster: MachineOf', () => {
  const pairs = [1, 2, 3].flatMap((i) => [
    unit(`ping.${i}.service`),
    unit(`pong.${i}.service`, [`MachineOf=ping.${i}.service`]),
  ]);

  it('places each follower with its peer', () => {
    const { where } = settle(snap(pairs, three));
    for (const i of [1, 2, 3])
      expect(where[`pong.${i}.service`]).toEqual(where[`ping.${i}.service`]);
  });

  it('moves followers together with their peer when its machine dies', () => {
    const first = apply(snap(pairs, three), planCluster(snap(pairs, three)));
    const dead = first.find((a) => a.unit === 'ping.1.service')?.machineId ?? '';
    const left = three.filter((m) => m.id !== dead);
    const { where, plan } = settle(snap(pairs, left, first));
    expect(where['ping.1.service']).toEqual(where['pong.1.service']);
    expect(where['ping.1.service']?.[0]).not.toBe(dead);
    expect(plan.tasks.filter((t) => t.kind === 'unschedule').map((t) => t.unit)).toEqual([
      'ping.1.service',
      'pong.1.service',
    ]);
  });

  it('places a follower whose name sorts before its peer', () => {
    const { where } = settle(
      snap([unit('a.service', ['MachineOf=z.service']), unit('z.service')], three),
    );
    expect(where['a.service']).toEqual(where['z.service']);
  });

  it('says why a follower waits', () => {
    const plan = planCluster(
      snap(
        [
          unit('f.service', ['MachineOf=nope.service']),
          unit('g.service', ['MachineOf=idle.service']),
          unit('idle.service', [], 'inactive'),
        ],
        three,
      ),
    );
    expect(plan.waiting).toEqual([
      { unit: 'f.service', reason: 'waiting for peer nope.service, which does not exist' },
      { unit: 'g.service', reason: 'waiting for peer idle.service to be scheduled' },
    ]);
  });
});

describe('planCluster: Replaces', () => {
  it('takes the machine of the replaced unit, which moves elsewhere', () => {
    const old = unit('replace.0.service');
    const kick = unit('replace-kick0.service', ['Replaces=replace.0.service']);
    const { where, plan } = settle(snap([old, kick], three, [at(old, M2)]));
    expect(where['replace-kick0.service']).toEqual([M2]);
    expect(where['replace.0.service']).toHaveLength(1);
    expect(where['replace.0.service']?.[0]).not.toBe(M2);
    expect(plan.tasks[0]).toEqual({
      kind: 'unschedule',
      unit: 'replace.0.service',
      machineId: M2,
      reason: 'replaced by replace-kick0.service',
    });
  });

  it("checks the displaced unit's own constraints (fleet did not)", () => {
    const old = unit('pinned.service', [`MachineID=${M2}`]);
    const kick = unit('kick.service', ['Replaces=pinned.service']);
    const { where, plan } = settle(snap([old, kick], three, [at(old, M2)]));
    expect(where).toEqual({ 'kick.service': [M2] });
    expect(plan.waiting).toEqual([
      {
        unit: 'pinned.service',
        reason: `0/3 machines available: 2 are not machine ${M2}, 1 runs kick.service, which replaces it`,
      },
    ]);
  });

  it('runs only one of two units that replace each other', () => {
    const a = unit('a.service', ['Replaces=b.service']);
    const b = unit('b.service', ['Replaces=a.service']);
    const { where, plan } = settle(snap([a, b], three));
    expect(Object.keys(where)).toEqual(['a.service']);
    expect(plan.waiting).toEqual([
      {
        unit: 'b.service',
        reason: 'it and a.service replace each other, and a.service is scheduled',
      },
    ]);
  });
});

describe('planCluster: Global', () => {
  it('runs a global unit on every machine beside normal units', () => {
    const { after, where } = settle(
      snap([unit('a.service'), unit('b.service'), unit('g.service', ['Global=true'])], three),
    );
    expect(after).toHaveLength(5);
    expect(where['g.service']).toEqual([M1, M2, M3]);
  });

  it('runs a global unit only where its metadata matches, and does not call the rest missing', () => {
    const ms = [machine(M1, { role: 'web' }), machine(M2, { role: 'db' })];
    const { where, plan } = settle(
      snap([unit('g.service', ['Global=true', 'MachineMetadata=role=web'])], ms),
    );
    expect(where).toEqual({ 'g.service': [M1] });
    expect(plan.waiting).toEqual([]);
  });

  it('keeps a conflicting global unit off every machine and says so', () => {
    const g0 = unit('conflict-global.0.service', ['Global=true', 'Conflicts=conflict-global.*']);
    const g1 = unit('conflict-global.1.service', ['Global=true', 'Conflicts=conflict-global.*']);
    const { where, plan } = settle(snap([g0, g1], three));
    expect(where).toEqual({ 'conflict-global.0.service': [M1, M2, M3] });
    expect(plan.waiting).toHaveLength(1);
    expect(plan.waiting[0]?.unit).toBe('conflict-global.1.service');
    expect(plan.waiting[0]?.reason).toBe(
      `not running on 3 eligible machine(s): ${M1.slice(0, 8)}... runs conflicting unit conflict-global.0.service; ` +
        `${M2.slice(0, 8)}... runs conflicting unit conflict-global.0.service; ${M3.slice(0, 8)}... runs conflicting unit conflict-global.0.service`,
    );
  });

  it('adds a global unit to a machine that joins', () => {
    const g = unit('g.service', ['Global=true']);
    const { plan } = settle(snap([g], three, [at(g, M1), at(g, M2)]));
    expect(plan.tasks).toEqual([
      {
        kind: 'schedule',
        unit: 'g.service',
        machineId: M3,
        hash: g.hash,
        desiredState: 'launched',
        reason: 'global unit with target state launched',
      },
    ]);
  });
});

describe('planCluster: purity', () => {
  it('does not modify its input', () => {
    const deepFreeze = <T>(o: T): T => {
      if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
        Object.freeze(o);
        for (const v of Object.values(o)) deepFreeze(v);
      }
      return o;
    };
    const a = unit('a.service', ['Conflicts=b.service']);
    const s = deepFreeze(
      snap([a, unit('b.service'), unit('g.service', ['Global=true'])], three, [at(a, M2)]),
    );
    expect(() => planCluster(s)).not.toThrow();
  });
});

describe("planCluster: ghost machines (a new leader's grace period)", () => {
  it('keeps the units of a machine not seen yet, and places nothing new on it', () => {
    const a = unit('a.service', [`MachineMetadata=region=eu`]);
    const g = unit('g.service', ['Global=true']);
    const ghost = { id: M3, metadata: {}, ghost: true };
    const s = snap([a, g, unit('new.service')], [machine(M1), ghost], [at(a, M3), at(g, M3)]);
    const { where, plan } = settle(s);
    expect(plan.tasks.filter((t) => t.kind === 'unschedule')).toEqual([]);
    expect(where).toEqual({ 'a.service': [M3], 'g.service': [M1, M3], 'new.service': [M1] });
  });

  it('does not place a follower on the ghost its peer sits on: it waits for the machine', () => {
    const peer = unit('p.service');
    const follower = unit('f.service', ['MachineOf=p.service']);
    const ghost = { id: M3, metadata: {}, ghost: true };
    const plan = planCluster(snap([peer, follower], [machine(M1), ghost], [at(peer, M3)]));
    expect(plan.tasks).toEqual([]);
    expect(plan.waiting).toEqual([
      {
        unit: 'f.service',
        reason: 'waiting for the machine of p.service to come back or be declared gone',
      },
    ]);
  });

  it('moves them once the machine is no longer a ghost but gone', () => {
    const a = unit('a.service');
    const { where } = settle(snap([a], [machine(M1)], [at(a, M3)]));
    expect(where).toEqual({ 'a.service': [M1] });
  });
});

describe('planCluster: away machines (their record vanished a short while ago)', () => {
  it('keeps their global units, moves the others at once, and places nothing new on them', () => {
    const g = unit('g.service', ['Global=true']);
    const a = unit('a.service');
    const pinned = unit('pinned.service', [`MachineID=${M3}`]);
    const away = { id: M3, metadata: {}, away: true };
    const s = snap(
      [g, a, pinned, unit('g2.service', ['Global=true'])],
      [machine(M1), away],
      [at(g, M1), at(g, M3), at(a, M3), at(pinned, M3)],
    );
    const { plan, where } = settle(s);
    expect(plan.tasks.filter((t) => t.kind === 'unschedule')).toEqual([
      {
        kind: 'unschedule',
        unit: 'a.service',
        machineId: M3,
        reason: `target machine ${M3} went away`,
      },
      {
        kind: 'unschedule',
        unit: 'pinned.service',
        machineId: M3,
        reason: `target machine ${M3} went away`,
      },
    ]);
    expect(where).toEqual({ 'a.service': [M1], 'g.service': [M1, M3], 'g2.service': [M1] });
    expect(plan.waiting).toEqual([
      { unit: 'pinned.service', reason: `required machine ${M3} is not in the cluster` },
    ]);
  });

  it('updates a kept global unit whose contents changed, and drops it when made inactive', () => {
    const g = unit('g.service', ['Global=true'], 'launched', 'h-new');
    const away = { id: M3, metadata: {}, away: true };
    const old = { ...at(g, M3), hash: 'h-old' };
    expect(planCluster(snap([g], [away], [old])).tasks).toEqual([
      {
        kind: 'update',
        unit: 'g.service',
        machineId: M3,
        hash: 'h-new',
        desiredState: 'launched',
        reason: 'unit content changed',
      },
    ]);
    const off = unit('g.service', ['Global=true'], 'inactive');
    expect(planCluster(snap([off], [away], [at(off, M3)])).tasks).toEqual([
      { kind: 'unschedule', unit: 'g.service', machineId: M3, reason: 'target state inactive' },
    ]);
  });
});
