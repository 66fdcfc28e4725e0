// BufferedEventSink: batches, never throws, drops what it must, retries a store that is away.
import { describe, expect, it } from 'vitest';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { BufferedEventSink, fitEventMessage } from './event-sink.js';
import type { EventInput } from './event-types.js';
import { InMemoryRegistry } from './inmemory-registry.js';

const started = (unit: string): EventInput => ({
  kind: 'unit.started',
  unit,
  machineId: 'm1',
  message: `${unit} started on m1`,
});

function setup(opts: { maxQueued?: number } = {}) {
  const clock = new ManualClock();
  const registry = new InMemoryRegistry({ clock });
  const logger = new RecordingLogger();
  const sink = new BufferedEventSink({ store: registry, clock, logger, retryMs: 1000, ...opts });
  const units = async () => (await registry.listEvents()).items.map((e) => e.unit);
  return { clock, registry, logger, sink, units };
}

describe('BufferedEventSink', () => {
  it('appends the events emitted in one turn in one write, in order', async () => {
    const { clock, registry, sink, units } = setup();
    sink.emit(started('a.service'));
    sink.emit(started('b.service'));
    sink.emit(started('c.service'));
    await sink.flush();
    const list = (await registry.listEvents()).items;
    expect(await units()).toEqual(['a.service', 'b.service', 'c.service']);
    expect(new Set(list.map((e) => e.id)).size).toBe(1);
    expect(list[0]?.time).toBe(new Date(clock.now()).toISOString());
    await registry.close();
  });

  it('drops an invalid event with a log line and cuts a long message', async () => {
    const { registry, sink, logger, units } = setup();
    expect(() => sink.emit({ ...started('a.service'), machineId: 'bad/id' })).not.toThrow();
    sink.emit({ ...started('b.service'), message: 'é'.repeat(2000) });
    await sink.flush();
    expect(await units()).toEqual(['b.service']);
    expect(sink.dropped).toBe(1);
    expect(logger.records.map((r) => r.msg)).toContain('event dropped: it is not valid');
    const message = (await registry.listEvents()).items[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
    expect(message.endsWith('é…')).toBe(true);
    expect(fitEventMessage('short')).toBe('short');
    await registry.close();
  });

  it('keeps the newest events while the store is away and appends them when it is back', async () => {
    const { clock, registry, sink, logger, units } = setup({ maxQueued: 2 });
    registry.faults.setUnavailable(true);
    sink.emit(started('a.service'));
    await sink.flush();
    sink.emit(started('b.service'));
    sink.emit(started('c.service'));
    expect(sink.pending).toBe(2);
    expect(sink.dropped).toBe(1);
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([
      'could not append events; retrying',
      'event queue full: dropping the oldest events',
    ]);
    registry.faults.setUnavailable(false);
    clock.advance(999);
    await Promise.resolve();
    expect(sink.pending).toBe(2);
    clock.advance(1);
    await expect.poll(() => sink.pending).toBe(0);
    await sink.flush();
    expect(await units()).toEqual(['b.service', 'c.service']);
    await sink.close();
    sink.emit(started('d.service'));
    expect(sink.pending).toBe(0);
    await registry.close();
  });
});
