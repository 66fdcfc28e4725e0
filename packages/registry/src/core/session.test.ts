// Sessions and leaderships on the monotonic clock, and their revokes (review F12, F6 fixes 2-3):
// an NTP step neither ends nor extends them; close() and resign() revoke even after the handle
// ended locally, unless etcd is known to have dropped the lease; a lost lease ends a new session.
import { ManualClock } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { describe, expect, it } from 'vitest';
import { machine } from '../testing/index.js';
import { UnavailableError } from '../errors.js';
import { Keys } from '../keys.js';
import type { Kv, KvLease } from '../kv/kv.js';
import { MemoryKv } from '../kv/memory-kv.js';
import { Core, DEFAULT_LIMITS } from './core.js';
import { campaign, getLeader } from './leadership.js';
import { listMachines } from './machines.js';
import { registerMachine, Session } from './session.js';

/** A Core over MemoryKv whose leases' revokes fail while `failing.revokes > 0`, counting calls. */
function setup() {
  const clock = new ManualClock();
  const mem = new MemoryKv({ clock });
  const failing = { revokes: 0, calls: 0 };
  const kv: Kv = overriding(mem, {
    async grantLease(ttl: number): Promise<KvLease> {
      const lease = await mem.grantLease(ttl);
      return overriding(lease, {
        async revoke() {
          failing.calls++;
          if (failing.revokes > 0) {
            failing.revokes--;
            throw new UnavailableError(['memory']);
          }
          await lease.revoke();
        },
      });
    },
  });
  const core = new Core(kv, new Keys(), DEFAULT_LIMITS, () => {});
  const machines = async () => (await listMachines(core)).items.map((m) => m.id);
  return { clock, mem, core, failing, machines };
}

describe('on the monotonic clock', () => {
  it('a wall-clock step of an hour either way neither ends nor extends a leadership or session', async () => {
    const { clock, core, machines } = setup();
    const lead = await campaign(core, 'engine', 5);
    const s = await registerMachine(core, machine('m1'), 5);
    if (lead === undefined) throw new Error('not elected');
    clock.stepWall(3_600_000); // NTP steps the clock forward
    expect(lead.isLeader()).toBe(true);
    clock.advance(60_000); // and time goes on, renewals acknowledged
    expect([lead.isLeader(), s.signal.aborted]).toEqual([true, false]);
    expect(await machines()).toEqual(['m1']);
    // A step back does not stretch the local fence of a leader whose renewals stop.
    clock.stepWall(-7_200_000);
    lead.stall();
    const last = lead['lease'].lastRenewedAt();
    clock.advance(last + 4_167 - clock.monotonic() - 1); // 5 s - 833 ms (TTL/6 under 6 s)
    expect(lead.isLeader()).toBe(true);
    clock.advance(1);
    expect(lead.isLeader()).toBe(false);
    await s.close();
  });
});

describe('revokes', () => {
  it('a session built on a lease already lost is over at once', async () => {
    const { mem, core } = setup();
    const lease = await mem.grantLease(5);
    await lease.revoke();
    const s = new Session(core, lease, 'm1', 5);
    expect(s.signal.aborted).toBe(true);
  });

  it('close() after a failed revoke revokes again, and the machine goes at once', async () => {
    const { core, failing, machines } = setup();
    const s = await registerMachine(core, machine('m1'), 30);
    failing.revokes = 1;
    await expect(s.close()).rejects.toBeInstanceOf(UnavailableError);
    expect(s.signal.aborted).toBe(true);
    expect(await machines()).toEqual(['m1']); // nothing revoked yet: the key waits out 30 s
    await s.close();
    expect(await machines()).toEqual([]);
    expect(failing.calls).toBe(2);
  });

  it('close() revokes a session that was lost locally, but not a lease etcd dropped', async () => {
    const { clock, core, failing, machines } = setup();
    const s = await registerMachine(core, machine('m1'), 5);
    s.release(); // lost locally: the lease is still there
    expect(s.signal.aborted).toBe(true);
    await s.close();
    expect(await machines()).toEqual([]);
    expect(failing.calls).toBe(1);
    const t = await registerMachine(core, machine('m2'), 5);
    t.stall();
    clock.advance(5_000); // expired in the store
    expect(t.signal.aborted).toBe(true);
    await t.close();
    expect(failing.calls).toBe(1); // nothing to revoke
  });

  it('resign() revokes a leadership suspended by its fence, and again after a failed revoke', async () => {
    const { clock, core, failing } = setup();
    const lead = await campaign(core, 'engine', 30);
    if (lead === undefined) throw new Error('not elected');
    lead.stall();
    clock.advance(29_000); // fenced at TTL-1 s: suspended, the key kept (a renewal may resume it)
    await Promise.resolve();
    expect([lead.isLeader(), lead.signal.aborted, failing.calls]).toEqual([false, false, 0]);
    expect((await getLeader(core))?.candidateId).toBe('engine');
    failing.revokes = 1;
    await expect(lead.resign()).rejects.toThrow(UnavailableError);
    expect(lead.signal.aborted).toBe(true);
    expect((await getLeader(core))?.candidateId).toBe('engine');
    await lead.resign();
    expect(await getLeader(core)).toBeUndefined();
    expect(failing.calls).toBe(2);
  });
});
