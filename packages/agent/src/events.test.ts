// The agent's events: started, failed and stopped as its units' states change on the machine,
// nothing for the units a restarted fleetd finds running.
import { BufferedEventSink } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeState, AgentBench, M1 } from './testing/index.js';

describe('the agent emits unit events', () => {
  let b: AgentBench;
  let sink: BufferedEventSink;

  beforeEach(async () => {
    b = await AgentBench.create();
    sink = new BufferedEventSink({ store: b.registry, clock: b.clock });
  });
  afterEach(() => b.close());

  const summary = async (): Promise<string[]> => {
    await sink.flush();
    return (await b.registry.listEvents()).items.map((e) => `${e.kind} ${e.unit ?? ''}`);
  };

  it('for a start, a failure, and a running unit removed', async () => {
    const sd = b.systemd();
    b.agent({ systemd: sd, events: sink });
    await b.assign('web@1.service');
    await b.until(async () => (await activeState(sd, 'web@1.service')) === 'active');
    await b.until(async () => (await summary()).length === 1);
    const [started] = (await b.registry.listEvents()).items;
    expect(started).toMatchObject({
      kind: 'unit.started',
      unit: 'web@1.service',
      machineId: M1,
      group: 'web@.service',
      message: `web@1.service started on ${M1}`,
    });
    sd.exit('web@1.service', 3);
    await b.until(async () => (await summary()).length === 2);
    expect((await b.registry.listEvents()).items[1]?.message).toBe(
      `web@1.service on ${M1} failed (failed)`,
    );
    await b.assign('db.service');
    await b.until(async () => (await summary()).length === 3);
    await b.unschedule('db.service');
    await b.until(async () => (await summary()).length === 4);
    await b.advance(5_000, 100);
    expect(await summary()).toEqual([
      'unit.started web@1.service',
      'unit.failed web@1.service',
      'unit.started db.service',
      'unit.stopped db.service',
    ]);
    expect((await b.registry.listEvents()).items[3]?.message).toBe(
      `db.service stopped on ${M1} (unit loaded but not scheduled here)`,
    );
  });

  it('for a unit whose start fails at once', async () => {
    const sd = b.systemd();
    sd.failNext('db.service');
    b.agent({ systemd: sd, events: sink });
    await b.assign('db.service');
    await b.until(async () => (await summary()).length >= 1);
    expect((await summary())[0]).toBe('unit.failed db.service');
  });

  it('says nothing of the units a restarted agent finds running', async () => {
    const sd = b.systemd();
    const first = b.agent({ systemd: sd });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd, 'web.service')) === 'active');
    const stopped = first.stop();
    await b.advance(100);
    await stopped;
    const second = b.agent({ systemd: sd, events: sink });
    await b.until(() => second.registered);
    await b.advance(5_000, 100);
    expect(await summary()).toEqual([]);
    sd.exit('web.service', 0);
    await b.until(async () => (await summary()).length >= 1);
    expect((await summary())[0]).toBe('unit.stopped web.service');
  });

  it('for the units a drain stops, and the drain', async () => {
    const sd = b.systemd();
    const a = b.agent({ systemd: sd, events: sink });
    await b.assign('web.service');
    await b.until(async () => (await summary()).length === 1);
    const stopped = a.stop({ drain: true });
    await b.advance(1_000, 10);
    await stopped;
    expect(await summary()).toEqual([
      'unit.started web.service',
      'unit.stopped web.service',
      'machine.drained ',
    ]);
  });
});
