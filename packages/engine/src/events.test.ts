// The engine's events: placed, moved and unscheduled for applied tasks, machines joined and lost
// as the leader sees them, and the leader's trim of the log.
import { BufferedEventSink, type ClusterEvent, type EventInput } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import type { Task } from '@fleet/scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineOptions } from './engine-options.js';
import { taskEvents } from './events.js';
import { EngineBench, M1, M2, unitInput } from './testing/index.js';

const H = 'a'.repeat(40);

describe('taskEvents', () => {
  it('names placements, moves and removals with their reasons, not updates', () => {
    const tasks: Task[] = [
      {
        kind: 'unschedule',
        unit: 'web@1.service',
        machineId: 'm1',
        reason: 'target machine m1 went away',
      },
      { kind: 'unschedule', unit: 'old.service', machineId: 'm2', reason: 'unit destroyed' },
      {
        kind: 'update',
        unit: 'db.service',
        machineId: 'm2',
        hash: H,
        desiredState: 'launched',
        reason: 'unit content changed',
      },
      {
        kind: 'schedule',
        unit: 'web@1.service',
        machineId: 'm3',
        hash: H,
        desiredState: 'launched',
        reason: 'x',
      },
      {
        kind: 'schedule',
        unit: 'new.service',
        machineId: 'm2',
        hash: H,
        desiredState: 'launched',
        reason: 'target state launched and unit not scheduled',
      },
    ];
    expect(taskEvents(tasks)).toEqual<EventInput[]>([
      {
        kind: 'unit.moved',
        unit: 'web@1.service',
        machineId: 'm3',
        group: 'web@.service',
        message: 'web@1.service moved from m1 to m3 (target machine m1 went away)',
      },
      {
        kind: 'unit.placed',
        unit: 'new.service',
        machineId: 'm2',
        group: 'new.service',
        message: 'new.service placed on m2 (target state launched and unit not scheduled)',
      },
      {
        kind: 'unit.unscheduled',
        unit: 'old.service',
        machineId: 'm2',
        group: 'old.service',
        message: 'old.service unscheduled from m2 (unit destroyed)',
      },
    ]);
  });
});

describe('the engine emits events', () => {
  let bench: EngineBench;
  let sink: BufferedEventSink;

  beforeEach(() => {
    bench = new EngineBench();
    sink = new BufferedEventSink({ store: bench.registry, clock: bench.clock });
  });
  afterEach(() => bench.close());

  const start = (opts: Partial<EngineOptions> = {}) => bench.engine({ events: sink, ...opts });
  const events = async (): Promise<ClusterEvent[]> => {
    await sink.flush();
    return [...(await bench.registry.listEvents()).items];
  };
  const summary = async () =>
    (await events()).map((e) => `${e.kind} ${e.unit ?? ''}@${e.machineId ?? ''}`.trim());

  it('for placements, machines joining and leaving, and the moves that follow', async () => {
    const [s1] = await bench.register([M1], 10);
    await bench.registry.createUnit(unitInput('web.service'));
    start({ machineGraceMs: 0 });
    await bench.until(async () => (await bench.placement())['web.service']?.[0] === M1);
    expect(await summary()).toEqual([`unit.placed web.service@${M1}`]);
    await bench.register([M2], 10);
    await bench.until(async () => (await summary()).length === 2);
    await s1?.close();
    await bench.until(async () => (await bench.placement())['web.service']?.[0] === M2);
    await bench.until(async () => (await summary()).length === 4);
    expect(await summary()).toEqual([
      `unit.placed web.service@${M1}`,
      `machine.joined @${M2}`,
      `machine.lost @${M1}`,
      `unit.moved web.service@${M2}`,
    ]);
    const moved = (await events())[3];
    expect(moved?.message).toBe(
      `web.service moved from ${M1} to ${M2} (target machine ${M1} went away)`,
    );
    await bench.registry.destroyUnit('web.service');
    await bench.until(async () => (await summary()).length === 5);
    expect((await summary())[4]).toBe(`unit.unscheduled web.service@${M2}`);
  });

  it('emits no machine events for the machines a new leader finds', async () => {
    await bench.register([M1, M2], 10);
    await bench.registry.createUnit(unitInput('web.service'));
    start();
    await bench.until(async () => (await bench.placement())['web.service'] !== undefined);
    await bench.run(5_000);
    expect((await summary()).map((s) => s.split(' ')[0])).toEqual(['unit.placed']);
  });

  it('trims the log while it leads, about once per interval', async () => {
    await bench.registry.appendEvents(
      ['a', 'b', 'c', 'd'].map((u) => ({ kind: 'unit.started', unit: `${u}.service`, message: u })),
    );
    const logger = new RecordingLogger();
    start({ logger, eventTrim: { maxCount: 2, maxBytes: 1_000_000, intervalMs: 60_000 } });
    await bench.run(59_000);
    expect(await summary()).toHaveLength(4);
    await bench.until(async () => (await summary()).length === 2);
    expect((await events()).map((e) => e.unit)).toEqual(['c.service', 'd.service']);
  });

  it('neither emits nor trims without a sink', async () => {
    await bench.register([M1], 10);
    await bench.registry.appendEvents(
      ['a', 'b', 'c'].map((u) => ({ kind: 'unit.started', unit: `${u}.service`, message: u })),
    );
    await bench.registry.createUnit(unitInput('web.service'));
    bench.engine({ eventTrim: { maxCount: 1, maxBytes: 1, intervalMs: 1000 } });
    await bench.until(async () => (await bench.placement())['web.service'] !== undefined);
    await bench.run(5_000);
    expect(await summary()).toHaveLength(3);
  });
});
