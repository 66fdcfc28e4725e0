// The agent acts on a machine only while it holds the machine's registration: a second fleetd
// with the same machine ID (a cloned /etc/machine-id) must not run that machine's units too.
import { RecordingLogger } from '@fleet/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeState, AgentBench, changingCalls } from './testing/index.js';

describe('Agent registration gating', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  it('runs nothing for a machine ID another live fleetd holds, and takes over once it is gone', async () => {
    const sd1 = b.systemd();
    const first = b.agent({ systemd: sd1 });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd1, 'web.service')) === 'active');
    // A second host booted from the same image: same machine ID, its own systemd.
    const sd2 = b.systemd();
    const log = new RecordingLogger();
    const second = b.agent({ systemd: sd2, logger: log });
    await b.advance(60_000, 50);
    expect(second.registered).toBe(false);
    expect(
      log.records.some((r) => r.level === 'error' && r.msg.includes('already registered')),
    ).toBe(true);
    expect(changingCalls(sd2)).toEqual([]);
    expect(await sd2.listUnitFiles()).toEqual([]);
    // The first fleetd dies (no drain): once its lease expires the second one takes over.
    await first.stop();
    await b.until(() => second.registered, 30_000, 50);
    await b.until(async () => (await activeState(sd2, 'web.service')) === 'active');
  });

  it('is registered only once the session is saved, so a kill before the save loses nothing', async () => {
    let release: (() => void) | undefined;
    let saved: string | undefined;
    const store = {
      previous: () => Promise.resolve(undefined),
      save: (_id: string, lease: string) =>
        new Promise<void>((resolve) => {
          release = () => {
            saved = lease;
            resolve();
          };
        }),
      clear: () => Promise.resolve(),
    };
    const a = b.agent({ systemd: b.systemd(), sessionStore: store });
    try {
      await b.until(async () => (await b.registry.listMachines()).items.length === 1);
      await b.until(() => release !== undefined);
      await b.advance(5_000, 50); // the save is slow
      expect(saved).toBeUndefined();
      expect(a.registered).toBe(false);
    } finally {
      release?.();
    }
    await b.until(() => a.registered, 1_000);
    expect(saved).toBeDefined();
  });
});
