// Commands on many units batch their requests: a bounded number in flight, a constant number of
// sequential rounds (listings instead of one GET per unit), and one listing per poll while
// waiting, whatever the number of units; lines and exit codes as when done one by one.
import type { ApiHandler } from '@fleet/api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../testing/fake-cluster.js';
import { Harness, M1 } from '../testing/harness.js';
import { BATCH_LIMIT } from '../units/batch.js';

const UNIT = '[Service]\nExecStart=/bin/sleep 1000\n';

/** Counts requests per `METHOD path` (unit names as `:name`) and the most in flight at once. */
class Counter {
  readonly byPath = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;

  wrap = (api: ApiHandler): ApiHandler => {
    return (req, res) => {
      const path = (req.url ?? '')
        .split('?')[0]
        ?.replace(/^(\/fleet\/v1\/(units|state))\/.+$/, '$1/:name');
      const key = `${req.method ?? ''} ${path ?? ''}`;
      this.byPath.set(key, (this.byPath.get(key) ?? 0) + 1);
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => this.inFlight--);
      // Answered on a later turn, so that requests sent together are seen together.
      setTimeout(() => api(req, res), 1);
    };
  };

  count(key: string): number {
    return this.byPath.get(key) ?? 0;
  }

  reset(): void {
    this.byPath.clear();
    this.maxInFlight = 0;
  }
}

let h: Harness | undefined;
afterEach(() => h?.close());

async function withUnits(n: number): Promise<{ h: Harness; c: Counter; files: string[] }> {
  const c = new Counter();
  h = await Harness.start(c.wrap);
  const files: string[] = [];
  for (let i = 0; i < n; i++)
    files.push(await h.file(`u${String(i).padStart(3, '0')}.service`, UNIT));
  return { h, c, files: files.map((f) => f.slice(f.lastIndexOf('/') + 1)) };
}

describe('batches', () => {
  it('start --no-block of 100 units: bounded concurrency, listings instead of a GET per unit', async () => {
    const { h, c, files } = await withUnits(100);
    const r = await h.fleetctl(['start', '--no-block', ...files]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(files.map((f) => `Triggered unit ${f} start\n`).join(''));
    expect(c.count('PUT /fleet/v1/units/:name')).toBe(100);
    expect(c.count('GET /fleet/v1/units/:name')).toBe(0);
    // one listing (100 units fit in a page) before creating; the units are created with their
    // desired state, so nothing is read again to set it or to tell global units apart
    expect(c.count('GET /fleet/v1/units')).toBe(1);
    expect(c.maxInFlight).toBeLessThanOrEqual(BATCH_LIMIT);
    expect(c.maxInFlight).toBeGreaterThan(1);
  });

  it('start of 100 units in a cluster of 300 more reads one page per listing (?names=)', async () => {
    const { h, c, files } = await withUnits(100);
    for (let i = 0; i < 300; i++) {
      await h.registry.createUnit({
        name: `other${i}.service`,
        options: [],
        desiredState: 'loaded',
      });
    }
    const r = await h.fleetctl(['start', '--no-block', ...files]);
    expect(r.code).toBe(0);
    // lazy create: one page, not the cluster's four
    expect(c.count('GET /fleet/v1/units')).toBe(1);
    expect(c.count('PUT /fleet/v1/units/:name')).toBe(100);
  });

  it('waiting on many units reads one listing per poll for all of them', async () => {
    const { h, c, files } = await withUnits(8);
    const names = files.slice(0, 8);
    // 300 more units in the cluster: each listing is still one page (?names=)
    for (let i = 0; i < 300; i++) {
      await h.registry.createUnit({
        name: `other${i}.service`,
        options: [],
        desiredState: 'loaded',
      });
    }
    expect((await h.fleetctl(['submit', ...names])).code).toBe(0);
    c.reset();
    // No engine: every unit times out after one attempt (4 polls in the harness).
    const r = await h.fleetctl(['load', '--block-attempts=1', ...names]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      names
        .map(
          (n) =>
            `Error waiting for units: timed out waiting for unit ${n} to report state loaded: inactive, not scheduled yet\n`,
        )
        .join(''),
    );
    // lazy create and target states read one listing each (the units existed), then one per
    // poll; global units are told apart from what target states read
    expect(c.count('GET /fleet/v1/units')).toBe(2 + 4);
    expect(c.count('GET /fleet/v1/units/:name')).toBe(0);
    expect(c.count('PUT /fleet/v1/units/:name')).toBe(8);
  });

  it('destroy of 100 running units: bounded DELETEs, then one state listing per poll for all', async () => {
    const { h, c, files } = await withUnits(100);
    await h.machine(M1);
    expect((await h.fleetctl(['start', '--no-block', ...files])).code).toBe(0);
    await new FakeCluster(h, { machines: [M1.id] }).reconcile(); // all 100 running on M1
    c.reset();
    // No engine or agent runs now: every unit stays on M1 and the wait times out after one
    // attempt (4 polls in the harness).
    const r = await h.fleetctl(['destroy', '--block-attempts=1', ...files]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(files.map((f) => `Destroyed ${f}\n`).join(''));
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(100);
    expect(c.count('DELETE /fleet/v1/units/:name')).toBe(100);
    expect(c.maxInFlight).toBeLessThanOrEqual(BATCH_LIMIT);
    expect(c.maxInFlight).toBeGreaterThan(1);
    // one listing of every unit's state per poll (not one query per unit), one machine listing
    expect(c.count('GET /fleet/v1/state')).toBe(4);
    expect(c.count('GET /fleet/v1/machines')).toBe(1);
    expect(c.count('GET /fleet/v1/units/:name')).toBe(0);
    expect(c.count('GET /fleet/v1/units')).toBe(0);
  });

  it('restart of many units reads one listing per step and sets states concurrently', async () => {
    const { h, c } = await withUnits(0);
    const names = Array.from({ length: 8 }, (_, i) => `r${i}.service`);
    for (const name of names) {
      await h.registry.createUnit({ name, options: [], desiredState: 'loaded' });
    }
    const r = await h.fleetctl(['restart', '--block-attempts=1', ...names]);
    expect(r.code).toBe(1);
    expect(c.count('GET /fleet/v1/units/:name')).toBe(0);
    expect(c.count('PUT /fleet/v1/units/:name')).toBe(8);
    // lazy create, the restart's own read, then one per poll of one attempt
    expect(c.count('GET /fleet/v1/units')).toBe(2 + 4);
    expect(c.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps lines in the order given and exit codes for a mix of good and failing units', async () => {
    const { h, files } = await withUnits(6);
    const [a, b, d, e] = files;
    await h.registry.createUnit({ name: 'idle.service', options: [], desiredState: 'inactive' });
    await h.registry.createUnit({ name: 'up.service', options: [], desiredState: 'loaded' });
    expect((await h.fleetctl(['start', '--no-block', a ?? '', b ?? ''])).code).toBe(0);
    const stop = await h.fleetctl([
      'stop',
      '--no-block',
      a ?? '',
      'gone.service',
      'idle.service',
      b ?? '',
      'up.service',
    ]);
    expect(stop).toEqual({
      code: 1,
      stdout: `Triggered unit ${a} stop\nTriggered unit ${b} stop\n`,
      stderr:
        'Unit gone.service does not exist.\nUnable to stop unit idle.service in state inactive\n',
    });
    // Creation stops at the first unit that cannot be created: none after it is written.
    const start = await h.fleetctl(['start', '--no-block', d ?? '', 'missing.service', e ?? '']);
    expect(start).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error creating units: unable to find Unit(missing.service) in Registry or on filesystem\n',
    });
    expect(await h.registry.getUnit(d ?? '')).toBeDefined();
    expect(await h.registry.getUnit(e ?? '')).toBeUndefined();
    const destroy = await h.fleetctl(['destroy', '--no-block', b ?? '', 'gone.service', a ?? '']);
    expect(destroy).toEqual({
      code: 0,
      stdout: `Destroyed ${b}\nDestroyed gone.service\nDestroyed ${a}\n`,
      stderr: '',
    });
  });
});
