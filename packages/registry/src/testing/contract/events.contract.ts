// Contract: the cluster event log (append, list with paging, watch, trim, bad input).
import { expect, it } from 'vitest';
import type { ClusterEvent, EventInput, EventWatchEvent } from '../../event-types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, rejectsWith } from './harness.js';

const placed = (unit: string, machineId = 'm1'): EventInput => ({
  kind: 'unit.placed',
  unit,
  machineId,
  group: unit,
  message: `${unit} placed on ${machineId}`,
});

const units = (events: readonly ClusterEvent[]): (string | undefined)[] =>
  events.map((e) => e.unit);

/** Registers the event log tests; `h()` is the current test's harness. */
export function eventContract(h: () => ContractHarness): void {
  it('lists appended events oldest first; one write shares its id and keeps its order', async () => {
    const { registry } = h();
    expect((await registry.listEvents()).items).toEqual([]);
    await registry.appendEvents([placed('c.service'), placed('a.service'), placed('b.service')]);
    await registry.appendEvents([
      { kind: 'machine.lost', machineId: 'm2', message: 'm2 lost', time: '2026-12-04T10:00:00Z' },
    ]);
    await registry.appendEvents([]);
    const list = await registry.listEvents();
    expect(units(list.items)).toEqual(['c.service', 'a.service', 'b.service', undefined]);
    const [first, , third, lost] = list.items;
    expect(first?.id).toBe(third?.id);
    expect(BigInt(lost?.id ?? '0')).toBeGreaterThan(BigInt(first?.id ?? '0'));
    expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(lost?.id ?? '0'));
    expect(first).toEqual({
      id: first?.id,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      kind: 'unit.placed',
      unit: 'c.service',
      machineId: 'm1',
      group: 'c.service',
      message: 'c.service placed on m1',
    });
    expect(lost).toEqual({
      id: lost?.id,
      time: '2026-12-04T10:00:00Z',
      kind: 'machine.lost',
      machineId: 'm2',
      message: 'm2 lost',
    });
  });

  it('pages by id after the last one seen, never splitting one write', async () => {
    const { registry } = h();
    await registry.appendEvents([placed('a.service')]);
    await registry.appendEvents([placed('b.service'), placed('c.service'), placed('d.service')]);
    await registry.appendEvents([placed('e.service')]);
    const p1 = await registry.listEvents({ limit: 2 });
    expect(units(p1.items)).toEqual(['a.service', 'b.service', 'c.service', 'd.service']);
    const p2 = await registry.listEvents({ after: p1.items.at(-1)?.id ?? '', limit: 2 });
    expect(units(p2.items)).toEqual(['e.service']);
    const p3 = await registry.listEvents({ after: p2.items.at(-1)?.id ?? '' });
    expect(p3.items).toEqual([]);
    const p4 = await registry.listEvents({ after: p1.items[0]?.id ?? '', limit: 1 });
    expect(units(p4.items)).toEqual(['b.service', 'c.service', 'd.service']);
  });

  it('refuses bad events and bad paging with a clear error, writing nothing', async () => {
    const { registry } = h();
    const bad: [EventInput, RegExp][] = [
      [{ ...placed('a.service'), kind: 'unit.exploded' as EventInput['kind'] }, /event kind/],
      [{ ...placed('a.service'), message: '' }, /message/],
      [{ ...placed('a.service'), message: 'x'.repeat(1025) }, /longer than 1024 bytes/],
      [{ ...placed('a.service'), unit: 'no/slash.service' }, /.+/],
      [{ ...placed('a.service'), machineId: 'bad/id' }, /machine ID/],
      [{ ...placed('a.service'), time: 'yesterday' }, /event time/],
    ];
    for (const [e, message] of bad) {
      const err = await rejectsWith(
        registry.appendEvents([placed('ok.service'), e]),
        'REGISTRY_INVALID_INPUT',
      );
      expect(err.message).toMatch(message);
    }
    await registry.appendEvents([{ ...placed('a.service'), message: 'é'.repeat(512) }]);
    await rejectsWith(registry.listEvents({ after: 'x1' }), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.listEvents({ limit: 0 }), 'REGISTRY_INVALID_INPUT');
    await rejectsWith(registry.trimEvents({ maxCount: -1, maxBytes: 1 }), 'REGISTRY_INVALID_INPUT');
    expect(units((await registry.listEvents()).items)).toEqual(['a.service']);
  });

  it('watches appends after a listing in log order, not trims, and re-lists after compaction', async () => {
    const { registry } = h();
    await registry.appendEvents([placed('a.service')]);
    const start = await registry.listEvents();
    const c = collector<EventWatchEvent>();
    const w = registry.watchEvents(start.revision, c.push);
    await registry.appendEvents([placed('b.service'), placed('c.service')]);
    await registry.trimEvents({ maxCount: 1, maxBytes: 1_000_000 });
    await registry.appendEvents([placed('d.service')]);
    await eventually(h(), () => c.events.length >= 3, 'three events');
    const seen = c.events.map((e) => (e.type === 'event' ? e.event.unit : e.type));
    expect(seen).toEqual(['b.service', 'c.service', 'd.service']);
    const rest = await registry.listEvents({ after: start.revision });
    expect(units(rest.items)).toEqual(['c.service', 'd.service']);
    expect(c.events.slice(1)).toEqual(
      rest.items.map((event) => ({ type: 'event', event, revision: event.id })),
    );
    await w.close();

    await h().compact();
    const late = collector<EventWatchEvent>();
    const w2 = registry.watchEvents(start.revision, late.push);
    await eventually(h(), () => late.events.length >= 1, 'a resync');
    expect(late.events).toEqual([{ type: 'resync', reason: expect.any(String) as string }]);
    await w2.close();
  });

  it('trims the oldest events first to a count and to a size', async () => {
    const { registry } = h();
    for (const u of ['a', 'b', 'c', 'd', 'e'])
      await registry.appendEvents([placed(`${u}.service`)]);
    expect(await registry.trimEvents({ maxCount: 3, maxBytes: 1_000_000 })).toBe(2);
    expect(units((await registry.listEvents()).items)).toEqual([
      'c.service',
      'd.service',
      'e.service',
    ]);
    expect(await registry.trimEvents({ maxCount: 3, maxBytes: 1_000_000 })).toBe(0);
    expect(await h().rawKeys('event/')).toHaveLength(3);
    // Each event takes between 1,000 and 1,250 bytes (its message is 1,000): 2,500 keep two.
    const big = (u: string): EventInput => ({ ...placed(u), message: 'x'.repeat(1000) });
    await registry.appendEvents([big('f.service'), big('g.service'), big('h.service')]);
    expect(await registry.trimEvents({ maxCount: 10, maxBytes: 2500 })).toBe(4);
    expect(units((await registry.listEvents()).items)).toEqual(['g.service', 'h.service']);
    expect(await registry.trimEvents({ maxCount: 0, maxBytes: 1_000_000 })).toBe(2);
    expect(await h().rawKeys('event/')).toEqual([]);
  });

  it('skips and reports an event record it cannot read', async () => {
    const { registry, issues } = h();
    await registry.appendEvents([placed('a.service')]);
    await h().putRaw('event/0000000000000-0000000000000000/000000', '{"kind":');
    expect(units((await registry.listEvents()).items)).toEqual(['a.service']);
    expect(issues).toContainEqual(
      expect.objectContaining({ kind: 'corrupt-record', key: expect.stringMatching(/event\//) }),
    );
  });
}
