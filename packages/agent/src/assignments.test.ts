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
