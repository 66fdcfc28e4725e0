// InMemoryRegistry: the contract suite on a manual clock, plus what only a manual clock can
// show exactly (expiry and fencing to the millisecond, no timers left behind).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@fleet/runtime';
import { compareStrings } from '@fleet/unit';
import { kvContract, machine, rawAccess, registryContract, stall } from './testing/index.js';
import { InMemoryRegistry } from './inmemory-registry.js';
import { MemoryKv } from './kv/memory-kv.js';
import type { RegistryIssue } from './types.js';

registryContract('InMemoryRegistry', async () => {
  const clock = new ManualClock();
  const issues: RegistryIssue[] = [];
  const registry = new InMemoryRegistry({ clock, report: (i) => issues.push(i) });
  await Promise.resolve();
  return {
    registry,
    issues,
    patienceMs: 2_000,
    passTime: (ms) => clock.advance(ms),
    ...rawAccess(registry),
    close: () => registry.close(),
  };
});

describe('InMemoryRegistry on a manual clock', () => {
  it('expires a stalled lease exactly TTL after its last renewal', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const s = await registry.registerMachine(machine('m1'), 3);
    clock.advance(1_000); // one keepalive at 1,000 ms
    stall(s);
    clock.advance(2_999);
    expect((await registry.listMachines()).items).toHaveLength(1);
    clock.advance(1);
    expect((await registry.listMachines()).items).toHaveLength(0);
    expect(s.signal.aborted).toBe(true);
    await registry.close();
  });

  it('keeps a live lease for as long as time passes', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const s = await registry.registerMachine(machine('m1'), 2);
    const lead = await registry.campaign('e', 2);
    clock.advance(60_000);
    expect(s.signal.aborted).toBe(false);
    expect(lead?.isLeader()).toBe(true);
    expect((await registry.listMachines()).items).toHaveLength(1);
    await registry.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it.each([
    [10, 9_000], // fleet's 10 s lease: TTL - 1 s
    [5, 4_167], // TTL/6 under 6 s
    [3, 2_500],
  ])(
    'fences a leader of a %i s lease %i ms after its last renewal, before the lease expires',
    async (ttl, fenceMs) => {
      const clock = new ManualClock();
      const registry = new InMemoryRegistry({ clock });
      const lead = await registry.campaign('e', ttl);
      if (lead === undefined) throw new Error('not elected');
      stall(lead);
      clock.advance(fenceMs - 1);
      expect(lead.isLeader()).toBe(true);
      clock.advance(1);
      expect(lead.isLeader()).toBe(false);
      expect(lead.signal.aborted).toBe(false); // suspended until the lease is known lost
      clock.advance(fenceMs < ttl * 1000 ? ttl * 1000 - fenceMs : 0); // expired in the store
      expect(lead.signal.aborted).toBe(true);
      expect(lead.isLeader()).toBe(false);
      await registry.close();
    },
  );

  it('suspends a leader whose renewals fail past the fence and resumes it, same term, when one is acknowledged', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const lead = await registry.campaign('e', 3);
    if (lead === undefined) throw new Error('not elected');
    const changes: boolean[] = [];
    lead.onChange(() => changes.push(lead.isLeader()));
    clock.advance(1_500); // last renewal at 1,500 ms: fenced at 4,000, expires at 4,500
    registry.faults.setUnavailable(true); // etcd electing a leader
    clock.advance(2_500);
    expect(lead.isLeader()).toBe(false);
    clock.advance(200); // 4,200 ms: its lease still lives
    registry.faults.setUnavailable(false);
    expect(lead.isLeader()).toBe(false);
    clock.advance(100); // the next retried renewal is acknowledged
    expect(lead.isLeader()).toBe(true);
    expect(lead.signal.aborted).toBe(false);
    expect(changes).toEqual([false, true]);
    expect((await registry.getLeader())?.token).toBe(lead.token);
    clock.advance(60_000);
    expect(lead.isLeader()).toBe(true);
    await registry.close();
    expect(changes).toEqual([false, true, false]);
  });

  it('keeps a 3 s leadership through a 2 s outage of its renewals: it renews every 500 ms', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const lead = await registry.campaign('e', 3);
    if (lead === undefined) throw new Error('not elected');
    // Renewals every 500 ms: the last before the outage is at 1,500 ms. Every TTL/3 (1 s) it
    // would be at 1,000 ms, and the leader fenced at 3,500 ms, 1.8 s into the outage.
    clock.advance(1_700);
    stall(lead);
    clock.advance(2_299); // 3,999 ms: 2,499 ms after the last renewal
    expect(lead.isLeader()).toBe(true);
    clock.advance(1);
    expect(lead.isLeader()).toBe(false);
    await registry.close();
  });

  it('keeps dynamic metadata keys named like Object.prototype members (fleet allowed them)', async () => {
    const registry = new InMemoryRegistry({ clock: new ManualClock() });
    await registry.registerMachine(machine('m1', { metadata: { region: 'eu' } }), 10);
    const keys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];
    await registry.setMachineMetadata(keys.map((key) => ({ machineId: 'm1', key, value: key })));
    const metadata = (await registry.listMachines()).items[0]?.metadata ?? {};
    expect(Object.entries(metadata)).toEqual(
      [...keys.map((k) => [k, k]), ['region', 'eu']].sort(([a = ''], [b = '']) =>
        compareStrings(a, b),
      ),
    );
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    await registry.setMachineMetadata(keys.map((key) => ({ machineId: 'm1', key, value: null })));
    expect((await registry.listMachines()).items[0]?.metadata).toEqual({ region: 'eu' });
    await registry.close();
  });

  it('compacts history by itself beyond historyRevisions', async () => {
    const registry = new InMemoryRegistry({ clock: new ManualClock(), historyRevisions: 5 });
    const lead = await registry.campaign('e', 10);
    const token = lead?.token ?? '';
    const op = {
      kind: 'schedule',
      machineId: 'm',
      hash: 'a'.repeat(40),
      desiredState: 'loaded',
    } as const;
    for (let i = 0; i < 20; i++)
      await registry.applyAssignments(token, [{ ...op, unit: `u${i}.service` }]);
    const events: string[] = [];
    registry.watchAssignments(undefined, token, (e) => events.push(e.type));
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['resync']);
    await registry.close();
  });
});

kvContract('MemoryKv', async () => {
  const kv = new MemoryKv({ clock: new ManualClock() });
  await Promise.resolve();
  return { kv, prefix: '/kv-test/', close: () => kv.close() };
});
