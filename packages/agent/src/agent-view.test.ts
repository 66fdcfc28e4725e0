// The agent's view of its assignments must not freeze: a failed listing after a `resync` is
// retried, and a watch that goes silent without an error is caught by the periodic re-list.
import { UnavailableError, type AssignmentEvent, type Registry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeState, AgentBench, callCount } from './testing/index.js';

describe('Agent assignment view', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  it('acts on every assignment of one transaction (their events share a revision)', async () => {
    const sd = b.systemd();
    const a = b.agent({ systemd: sd });
    await b.until(() => a.registered);
    await b.advance(1_000);
    await b.assignAll(['a.service', 'b.service', 'c.service']);
    await b.until(async () => {
      const states = await sd.unitStates(['a.service', 'b.service', 'c.service']);
      return [...states.values()].every((st) => st.active === 'active');
    });
  });

  it('retries a failed listing after a resync, then follows a move within a bounded time', async () => {
    let failListings = 0;
    let lastWatch: { deliver: (e: AssignmentEvent) => void } | undefined;
    const link = overriding(b.registry as Registry, {
      listAssignments: (m?: string) => {
        if (failListings === 0) return b.registry.listAssignments(m);
        failListings--;
        return Promise.reject(new UnavailableError(['http://127.0.0.1:1']));
      },
      // As etcd-watch.ts: after `resync` (compacted history) the watch has ended.
      watchAssignments: (m: string | undefined, rev: string, fn: (e: AssignmentEvent) => void) => {
        let ended = false;
        const w = b.registry.watchAssignments(m, rev, (e) => {
          if (!ended) fn(e);
        });
        lastWatch = {
          deliver: (e) => {
            if (e.type === 'resync') ended = true;
            fn(e);
          },
        };
        return w;
      },
    });
    const sd = b.systemd();
    b.agent({ registry: link, systemd: sd });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd, 'web.service')) === 'active');
    failListings = 1; // the re-list after the resync hits an etcd blip
    lastWatch?.deliver({ type: 'resync', reason: 'compacted' });
    await b.advance(1_000);
    // The engine moves web.service away and gives this machine api.service.
    await b.unschedule('web.service');
    await b.assign('api.service');
    await b.until(
      async () =>
        (await activeState(sd, 'web.service')) === 'inactive' &&
        (await activeState(sd, 'api.service')) === 'active',
      30_000,
    );
    expect(failListings).toBe(0);
  });

  it('converges after the periodic re-list when the watch silently drops events', async () => {
    let silent = false;
    const link = overriding(b.registry as Registry, {
      watchAssignments: (m: string | undefined, rev: string, fn: (e: AssignmentEvent) => void) =>
        b.registry.watchAssignments(m, rev, (e) => {
          if (!silent) fn(e); // a watch pinned to a partitioned member: no events, no error
        }),
    });
    const sd = b.systemd();
    const log = new RecordingLogger();
    const a = b.agent({ registry: link, systemd: sd, logger: log, random: () => 0.5 });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd, 'web.service')) === 'active');
    silent = true;
    await b.unschedule('web.service');
    await b.assign('api.service');
    await b.advance(4 * 60_000, 100); // passes run, but on a view the silent watch froze
    expect(await activeState(sd, 'web.service')).toBe('active');
    expect(callCount(sd, 'start', 'api.service')).toBe(0);
    // Still silent: only the periodic listing (about every 5 min) can show the change.
    await b.until(
      async () =>
        (await activeState(sd, 'web.service')) === 'inactive' &&
        (await activeState(sd, 'api.service')) === 'active',
      2 * 60_000,
      100,
    );
    await b.advance(15_000, 1_000); // the watch had 10 s to deliver what the listing showed
    expect(log.records.map((r) => r.msg)).toContainEqual(
      expect.stringMatching(/^assignments differed from a fresh listing/),
    );
    expect(a.metrics.assignmentChanges).toBeGreaterThan(0);
  });
});
