// An agent stopped for an in-place restart hands its machine over to the next fleetd of the
// host: the machine record never disappears (so the engine moves nothing), units keep running
// untouched, and the successor takes the machine over at once. A successor that never comes
// leaves a machine that expires after the hand-over time, as a dead one does.
import { RecordingLogger } from '@fleet/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStore } from './session-file.js';
import { activeState, AgentBench, changingCalls, M1 } from './testing/index.js';

/** A session file shared by the fleetds of one host. */
function sharedStore(): SessionStore & { saved(): string | undefined } {
  let saved: string | undefined;
  return {
    previous: () => Promise.resolve(saved),
    save: (_id, lease) => Promise.resolve(void (saved = lease)),
    clear: () => Promise.resolve(void (saved = undefined)),
    saved: () => saved,
  };
}

describe('Agent.stop({ handOverSeconds })', () => {
  let b: AgentBench;
  let deleted: string[];
  let closeWatch: () => Promise<void>;
  beforeEach(async () => {
    b = await AgentBench.create();
    deleted = [];
    const w = b.registry.watchMachines((await b.registry.listMachines()).revision, (e) => {
      if (e.type === 'delete') deleted.push(e.machineId);
    });
    closeWatch = () => w.close();
  });
  afterEach(async () => {
    await closeWatch();
    await b.close();
  });

  const units = ['a.service', 'b.service', 'c.service'];
  const states = async () =>
    (await b.registry.listUnitStates({ machineId: M1 })).items.map((s) => s.unit);

  it('keeps the machine and its units; the successor takes it over at once and starts nothing', async () => {
    const sd = b.systemd();
    const store = sharedStore();
    const first = b.agent({ systemd: sd, sessionStore: store });
    await b.assignAll(units);
    await b.until(async () => (await states()).length === units.length);
    const firstLease = store.saved();
    const stopping = first.stop({ handOverSeconds: 30 });
    await b.advance(100);
    await stopping;
    const handedOver = store.saved();
    expect(handedOver).toBeDefined();
    expect(handedOver).not.toBe(firstLease);
    // fleetd is down for longer than its 10 s TTL: the machine and its states stay.
    await b.advance(20_000, 100);
    expect((await b.registry.listMachines()).items.map((m) => m.id)).toEqual([M1]);
    expect(await states()).toEqual(units);
    const calls = changingCalls(sd).length;
    const log = new RecordingLogger();
    const second = b.agent({ systemd: sd, sessionStore: store, logger: log });
    await b.until(() => second.registered, 1_000);
    expect(log.records.map((r) => r.msg)).toContain(
      'took over the machine from the previous fleetd',
    );
    await b.until(async () => (await states()).length === units.length);
    await b.advance(40_000, 100); // past the hand-over lease
    expect(deleted).toEqual([]);
    expect((await b.registry.listMachines()).items.map((m) => m.id)).toEqual([M1]);
    expect(await states()).toEqual(units);
    expect(changingCalls(sd).slice(calls)).toEqual([]);
    for (const u of units) expect(await activeState(sd, u)).toBe('active');
    expect(second.launchedUnits()).toEqual(units);
  });

  it('leaves a machine no fleetd takes over to expire after the hand-over time', async () => {
    const sd = b.systemd();
    const store = sharedStore();
    const a = b.agent({ systemd: sd, sessionStore: store });
    await b.assignAll(units);
    await b.until(async () => (await states()).length === units.length);
    const stopping = a.stop({ handOverSeconds: 30 });
    await b.advance(100);
    await stopping;
    await b.advance(29_000, 100);
    expect(deleted).toEqual([]);
    await b.until(() => deleted.length > 0, 2_000, 100);
    expect(deleted).toEqual([M1]);
    expect((await b.registry.listMachines()).items).toEqual([]);
    expect(await states()).toEqual([]);
    // The units were never touched here: the engine would now schedule them elsewhere.
    for (const u of units) expect(await activeState(sd, u)).toBe('active');
  });

  it('falls back to a plain stop when the machine cannot be handed over', async () => {
    const sd = b.systemd();
    const store = sharedStore();
    const log = new RecordingLogger();
    const a = b.agent({ systemd: sd, sessionStore: store, logger: log });
    await b.until(() => a.registered);
    const lease = store.saved();
    // Another session took the machine key: this one no longer holds it.
    await b.registry.registerMachine(
      { id: M1, publicIP: '127.0.0.99', metadata: {}, health: {}, version: 'x', capabilities: [] },
      10,
      { replacing: lease ?? '' },
    );
    const stopping = a.stop({ handOverSeconds: 30 });
    await b.advance(100);
    await stopping;
    expect(store.saved()).toBe(lease);
    expect(log.records.map((r) => r.msg)).not.toContain('machine handed over to the next fleetd');
    expect((await b.registry.listMachines()).items[0]?.publicIP).toBe('127.0.0.99');
  });
});
