import { UnavailableError, type AssignmentEvent, type Registry } from '@fleet/registry';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssignmentView } from './assignments.js';
import { AgentBench, flush, M1 } from './testing/index.js';

describe('AssignmentView', () => {
  let b: AgentBench;
  let listings: number[];
  let failing: boolean;
  let deliver: ((e: AssignmentEvent) => void) | undefined;
  let view: AssignmentView;

  beforeEach(async () => {
    b = await AgentBench.create();
    listings = [];
    failing = false;
    const link = overriding(b.registry as Registry, {
      listAssignments: (m?: string) => {
        listings.push(b.clock.now());
        return failing
          ? Promise.reject(new UnavailableError(['http://127.0.0.1:1']))
          : b.registry.listAssignments(m);
      },
      watchAssignments: (m: string | undefined, rev: string, fn: (e: AssignmentEvent) => void) => {
        deliver = fn;
        return b.registry.watchAssignments(m, rev, fn);
      },
    });
    view = new AssignmentView({
      registry: link,
      machineId: M1,
      clock: b.clock,
      onChange: () => undefined,
      onError: () => undefined,
      random: () => 0.5,
    });
  });

  afterEach(async () => {
    await view.close();
    await b.close();
  });

  it('is healthy only once a listing issued after the latest refresh is applied', async () => {
    expect(view.healthy).toBe(false); // never listed
    view.refresh();
    await flush();
    expect(view.healthy).toBe(true);
    failing = true;
    view.refresh(); // e.g. a new registration: the view from before it is not acted on
    await flush();
    expect(view.healthy).toBe(false);
    failing = false;
    await b.advance(600, 50);
    expect(view.healthy).toBe(true);
  });

  it('retries a failed listing after a resync with backoff until one succeeds', async () => {
    view.refresh();
    await flush();
    await b.assign('web.service');
    await flush();
    expect(view.desired().map((a) => a.unit)).toEqual(['web.service']);
    failing = true;
    const start = b.clock.now();
    const before = listings.length;
    deliver?.({ type: 'resync', reason: 'compacted' });
    await flush();
    expect(view.healthy).toBe(false);
    await b.advance(8_000, 50);
    // 0.5 s doubling: listings at 0, 0.5, 1.5, 3.5 and 7.5 s after the resync.
    expect(listings.slice(before).map((t) => t - start)).toEqual([0, 500, 1_500, 3_500, 7_500]);
    expect(view.healthy).toBe(false);
    await b.unschedule('web.service');
    failing = false;
    await b.advance(10_000, 50);
    expect(view.healthy).toBe(true);
    expect(view.desired()).toEqual([]);
  });

  it('lists its own prefix again every 5 minutes (with jitter 0.5: exactly 5)', async () => {
    view.refresh();
    await flush();
    const first = listings.at(-1) ?? NaN;
    await b.advance(11 * 60_000, 1_000);
    expect(listings.map((t) => t - first)).toEqual([0, 300_000, 600_000]);
  });
});

// Under load a listing often overtakes the watch events of the same changes (still in flight):
// that is no reason to restart the watch (a cancel and a create on etcd's Watch stream per agent,
// 1,000 agents at once after a launch). Only a watch that never delivers them is restarted.
describe('AssignmentView, a listing ahead of its watch', () => {
  let b: AgentBench;
  let hold: boolean;
  let held: (() => void)[];
  let watches: number;
  let repairs: string[][];
  let view: AssignmentView;

  beforeEach(async () => {
    b = await AgentBench.create();
    hold = false;
    held = [];
    watches = 0;
    repairs = [];
    const link = overriding(b.registry as Registry, {
      watchAssignments: (m: string | undefined, rev: string, fn: (e: AssignmentEvent) => void) => {
        watches++;
        return b.registry.watchAssignments(m, rev, (e) => {
          if (hold) held.push(() => fn(e));
          else fn(e);
        });
      },
    });
    view = new AssignmentView({
      registry: link,
      machineId: M1,
      clock: b.clock,
      onChange: () => undefined,
      onError: () => undefined,
      onRepair: (units) => repairs.push([...units]),
      random: () => 0.5,
    });
    view.refresh();
    await flush();
    expect(watches).toBe(1);
  });

  afterEach(async () => {
    await view.close();
    await b.close();
  });

  it('takes the listing at once and keeps a watch that delivers the events after it', async () => {
    hold = true; // the events of the next change are in flight
    await b.assign('web.service');
    await flush();
    expect(view.desired()).toEqual([]);
    view.refresh(); // e.g. a registration, or the periodic re-list
    await flush();
    expect(view.desired().map((a) => a.unit)).toEqual(['web.service']);
    hold = false;
    for (const deliver of held.splice(0)) deliver();
    await b.advance(30_000, 1_000);
    expect(repairs).toEqual([]);
    expect(watches).toBe(1);
    expect(view.healthy).toBe(true);
    expect(view.desired().map((a) => a.unit)).toEqual(['web.service']);
  });

  it('restarts a watch that does not deliver them within 10 s (a silent watch)', async () => {
    hold = true;
    await b.assign('web.service');
    await flush();
    view.refresh();
    await flush();
    expect(view.desired().map((a) => a.unit)).toEqual(['web.service']);
    await b.advance(9_000, 1_000);
    expect(watches).toBe(1);
    await b.advance(2_000, 1_000);
    expect(repairs).toEqual([['web.service']]);
    expect(watches).toBe(2);
    hold = false; // the new watch delivers
    await b.assign('api.service');
    await flush();
    expect(view.desired().map((a) => a.unit)).toEqual(['api.service', 'web.service']);
  });
});
