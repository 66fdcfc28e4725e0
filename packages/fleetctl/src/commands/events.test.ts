// fleetctl events against the real API over an InMemoryRegistry: lines, JSON, --after, bad
// input, and --follow until Ctrl-C (exit 0).
import type { EventInput } from '@fleet/registry';
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { Harness, M1 } from '../testing/harness.js';

const placed = (unit: string): EventInput => ({
  kind: 'unit.placed',
  unit,
  machineId: M1.id,
  group: unit,
  message: `${unit} placed on ${M1.id}`,
  time: '2026-12-04T10:00:00.000Z',
});

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.registry.appendEvents([placed('a.service')]);
  await h.registry.appendEvents([
    { kind: 'machine.lost', machineId: M1.id, message: 'gone', time: '2026-12-04T10:00:01.000Z' },
  ]);
});
afterEach(() => h.close());

describe('fleetctl events', () => {
  it('prints one line per event: time, kind, unit/machine, message', async () => {
    expect(await h.fleetctl(['events'])).toEqual({
      code: 0,
      stderr: '',
      stdout:
        `2026-12-04T10:00:00.000Z  unit.placed        a.service/c31e44e1...  a.service placed on ${M1.id}\n` +
        '2026-12-04T10:00:01.000Z  machine.lost       c31e44e1...  gone\n',
    });
  });

  it('prints one JSON object per line, and only the events after --after', async () => {
    const r = await h.fleetctl(['events', '-o', 'json']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; unit?: string });
    expect(lines.map((e) => e.unit)).toEqual(['a.service', undefined]);
    const after = await h.fleetctl(['events', '--after', lines[0]?.id ?? '', '-o', 'json']);
    expect(
      after.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { kind: string }).kind),
    ).toEqual(['machine.lost']);
  });

  it('refuses a bad --after and a bad format with one line', async () => {
    const bad = await h.fleetctl(['events', '--after', 'x1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--after must be an event ID/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const format = await h.fleetctl(['events', '-o', 'yaml']);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toMatch(/Invalid output format "yaml"/);
  });

  it('follows new events until Ctrl-C, then exits 0', async () => {
    let out = '';
    const running = h.fleetctl(['events', '--follow', '-o', 'json'], {
      onStdout: (t) => (out += t),
    });
    await waitFor(() => out.split('\n').length === 3, { timeoutMs: 5_000, what: 'the two events' });
    await h.registry.appendEvents([placed('b.service')]);
    await waitFor(() => out.includes('b.service'), { timeoutMs: 5_000, what: 'the new event' });
    process.emit('SIGINT');
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('says so and exits 1 when fleetd ends the stream', async () => {
    const responses: ServerResponse[] = [];
    const own = await Harness.start((api) => (req, res) => {
      responses.push(res);
      api(req, res);
    });
    try {
      await own.registry.appendEvents([placed('a.service')]);
      let out = '';
      const running = own.fleetctl(['events', '-f'], { onStdout: (t) => (out += t) });
      await waitFor(() => out.includes('a.service'), { timeoutMs: 5_000, what: 'the event' });
      responses.at(-1)?.end();
      const r = await running;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/fleetd ended the event stream/);
    } finally {
      await own.close();
    }
  });
});
