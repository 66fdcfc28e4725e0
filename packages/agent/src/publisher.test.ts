// The publisher runs on runtime's Trigger: changes within the publish window go out in one call,
// settled() sends a due batch at once, and close() leaves no timer behind.
import { InMemoryRegistry, type MachineSession } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { settle } from '@fleet/runtime/testing';
import type { SystemdUnitStatus } from '@fleet/systemd';
import { overriding } from '@fleet/testkit';
import { describe, expect, it } from 'vitest';
import { StatePublisher } from './publisher.js';

const state = (active: SystemdUnitStatus['active']): SystemdUnitStatus => ({
  load: 'loaded',
  active,
  sub: active === 'active' ? 'running' : 'dead',
  hash: 'a'.repeat(40),
});

async function world() {
  const clock = new ManualClock();
  const registry = new InMemoryRegistry({ clock });
  const inner = await registry.registerMachine(
    { id: 'm1', publicIP: '127.0.0.1', metadata: {}, health: {}, version: 't', capabilities: [] },
    30,
  );
  const calls: string[][] = [];
  const session = overriding<MachineSession>(inner, {
    publishUnitStates: (states) => {
      calls.push(states.map((s) => `${s.unit} ${s.activeState} ${s.state}`));
      return inner.publishUnitStates(states);
    },
  });
  const errors: unknown[] = [];
  const p = new StatePublisher((err) => errors.push(err), clock, 50);
  p.useSession(session);
  await p.settled();
  return { clock, registry, p, calls, errors };
}

describe('StatePublisher', () => {
  it('holds a state under way for the window, the last state of each unit winning', async () => {
    const { clock, registry, p, calls, errors } = await world();
    const timers = clock.pendingTimers;
    p.set('a.service', state('activating'), true);
    clock.advance(20);
    p.set('b.service', { ...state('inactive'), job: 'start' }, false);
    p.set('a.service', state('deactivating'), true);
    await settle();
    expect(calls).toEqual([]);
    clock.advance(30);
    await settle();
    expect(calls).toEqual([['a.service deactivating launched', 'b.service inactive loaded']]);
    p.set('a.service', state('deactivating'), true); // unchanged: nothing to send
    clock.advance(50);
    await settle();
    expect(calls).toHaveLength(1);
    expect(errors).toEqual([]);
    p.set('b.service', state('activating'), false);
    expect(clock.pendingTimers).toBe(timers + 1); // the window of the next batch
    p.close();
    expect(clock.pendingTimers).toBe(timers);
    await registry.close();
  });

  it('holds an inactive unit that is to be launched for the window: its start comes next', async () => {
    const { clock, registry, p, calls, errors } = await world();
    p.set('a.service', state('inactive'), true); // file in place, start not yet sent
    await settle();
    expect(calls).toEqual([]);
    clock.advance(20);
    p.set('a.service', state('active'), true); // settled: goes at once, the inactive never does
    await settle();
    expect(calls).toEqual([['a.service active launched']]);
    p.set('b.service', state('inactive'), false); // loaded, not launched: what is wanted
    await settle();
    expect(calls).toEqual([['a.service active launched'], ['b.service inactive loaded']]);
    p.set('c.service', state('inactive'), true); // a launched unit that stays inactive
    clock.advance(50);
    await settle();
    expect(calls.at(-1)).toEqual(['c.service inactive launched']); // after the window
    expect(errors).toEqual([]);
    p.close();
    await registry.close();
  });

  it('sends a settled state at once without the states under way that have not waited a window', async () => {
    const { clock, registry, p, calls, errors } = await world();
    p.set('a.service', state('activating'), true);
    p.set('b.service', state('activating'), true);
    clock.advance(10);
    p.set('a.service', state('active'), true); // settled: goes now; b is 10 ms under way
    await settle();
    expect(calls).toEqual([['a.service active launched']]);
    clock.advance(10);
    p.set('b.service', state('active'), true); // b's activating was never written
    await settle();
    expect(calls).toEqual([['a.service active launched'], ['b.service active launched']]);
    p.set('c.service', state('activating'), true);
    clock.advance(60); // c has waited its window (its own timer fired meanwhile)
    await settle();
    expect(calls.at(-1)).toEqual(['c.service activating launched']);
    p.set('d.service', state('activating'), true);
    clock.advance(20);
    p.set('e.service', state('failed'), true);
    await settle();
    expect(calls.at(-1)).toEqual(['e.service failed launched']);
    clock.advance(50); // d, held back, goes within a window of the flush that held it
    await settle();
    expect(calls.at(-1)).toEqual(['d.service activating launched']);
    expect(errors).toEqual([]);
    p.close();
    await registry.close();
  });

  it('publishes a settled state at once; a later settled state of a unit under way replaces it', async () => {
    const { clock, registry, p, calls, errors } = await world();
    p.set('a.service', state('activating'), true);
    clock.advance(10);
    await settle();
    expect(calls).toEqual([]);
    p.set('b.service', state('active'), true); // settled: no window
    await settle();
    expect(calls).toEqual([['b.service active launched']]); // a has not waited its window
    p.set('a.service', state('failed'), true);
    await settle();
    expect(calls).toEqual([['b.service active launched'], ['a.service failed launched']]);
    expect(errors).toEqual([]);
    p.close();
    await registry.close();
  });

  it('settled() sends what is due now, without waiting for the window', async () => {
    const { clock, registry, p, calls, errors } = await world();
    p.set('a.service', state('active'), true);
    await p.settled();
    expect(calls).toEqual([['a.service active launched']]);
    expect(errors).toEqual([]);
    p.close();
    clock.advance(1_000);
    await settle();
    expect(calls).toHaveLength(1); // closed: the window's flush never ran
    await registry.close();
  });
});
