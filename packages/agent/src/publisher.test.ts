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

  it('publishes a settled state at once, with the states under way pending', async () => {
    const { clock, registry, p, calls, errors } = await world();
    p.set('a.service', state('activating'), true);
    clock.advance(10);
    await settle();
    expect(calls).toEqual([]);
    p.set('b.service', state('active'), true); // settled: no window
    await settle();
    expect(calls).toEqual([['a.service activating launched', 'b.service active launched']]);
    p.set('a.service', state('failed'), true);
    await settle();
    expect(calls).toEqual([
      ['a.service activating launched', 'b.service active launched'],
      ['a.service failed launched'],
    ]);
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
