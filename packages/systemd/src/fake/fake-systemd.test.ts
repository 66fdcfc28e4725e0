// What the fake offers beyond the contract: simulated time, injected failures, lost signals,
// a call log, and many cheap instances on one clock.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@fleet/runtime';
import type { UnitStatusChange } from '../systemd.js';
import { FakeSystemd } from './fake-systemd.js';

const SLEEPER = '[Service]\nExecStart=/bin/sleep 3600\n';

async function loaded(content = SLEEPER, name = 'web.service') {
  const clock = new ManualClock();
  const sd = new FakeSystemd({ clock, latency: { start: 100, stop: 50, exit: 20 } });
  await sd.writeUnit(name, content);
  await sd.link(name);
  await sd.daemonReload();
  const changes: UnitStatusChange[] = [];
  sd.onChange((batch) => changes.push(...batch));
  sd.watch([name]);
  const state = async () => (await sd.unitStates([name])).get(name);
  return { clock, sd, changes, state, name };
}

describe('FakeSystemd', () => {
  it('is activating for its start latency, then active', async () => {
    const { clock, sd, state, name } = await loaded();
    await sd.start(name);
    expect(await state()).toMatchObject({ active: 'activating', sub: 'start' });
    await clock.tick(99);
    expect(await state()).toMatchObject({ active: 'activating' });
    await clock.tick(1);
    expect(await state()).toMatchObject({ active: 'active', sub: 'running' });
    await sd.stop(name);
    expect(await state()).toMatchObject({ active: 'deactivating', sub: 'stop-sigterm' });
    await clock.tick(50);
    expect(await state()).toMatchObject({ active: 'inactive', sub: 'dead' });
  });

  it("names the job of a process's unit: its own stop, or one queued by hand", async () => {
    const { clock, sd, name } = await loaded();
    expect(await sd.jobOfProcess(42)).toBeUndefined(); // in no unit
    sd.jobs.placeProcess(42, name);
    await sd.start(name);
    expect(await sd.jobOfProcess(42)).toBe('start');
    await clock.tick(100);
    expect(await sd.jobOfProcess(42)).toBeUndefined();
    await sd.stop(name);
    expect(await sd.jobOfProcess(42)).toBe('stop');
    await clock.tick(50);
    sd.jobs.queueJob(name, 'restart');
    expect(await sd.jobOfProcess(42)).toBe('restart');
    sd.jobs.queueJob(name, undefined);
    sd.jobs.placeProcess(42, undefined);
    expect(await sd.jobOfProcess(42)).toBeUndefined();
  });

  it('failNext makes the next start fail, and only that one', async () => {
    const { clock, sd, state, name } = await loaded();
    sd.failNext(name);
    await sd.start(name);
    await clock.tick(100);
    expect(await state()).toMatchObject({ active: 'failed', sub: 'failed' });
    await sd.start(name);
    await clock.tick(100);
    expect(await state()).toMatchObject({ active: 'active', sub: 'running' });
  });

  it('exit() ends a running service: failed on a non-zero status, inactive on 0', async () => {
    const { clock, sd, state, name } = await loaded();
    await sd.start(name);
    await clock.tick(100);
    sd.exit(name, 3);
    expect(await state()).toMatchObject({ active: 'failed' });
    await sd.resetFailed(name);
    await sd.start(name);
    await clock.tick(100);
    sd.exit(name, 0);
    expect(await state()).toMatchObject({ active: 'inactive', sub: 'dead' });
  });

  it('runs oneshot services to exited or dead, and /bin/true services to dead', async () => {
    const oneshot = '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n';
    const a = await loaded(oneshot);
    await a.sd.start(a.name);
    await a.clock.tick(100);
    expect(await a.state()).toMatchObject({ active: 'active', sub: 'exited' });
    const b = await loaded('[Service]\nExecStart=/usr/bin/true\n');
    await b.sd.start(b.name);
    await b.clock.tick(100);
    expect(await b.state()).toMatchObject({ active: 'active', sub: 'running' });
    await b.clock.tick(20);
    expect(await b.state()).toMatchObject({ active: 'inactive', sub: 'dead' });
  });

  it('gives other unit types their own active sub-state', async () => {
    const { clock, sd, state, name } = await loaded('[Socket]\nListenStream=/run/x\n', 'x.socket');
    await sd.start(name);
    await clock.tick(100);
    expect(await state()).toMatchObject({ active: 'active', sub: 'listening' });
  });

  it('keeps a running unit loaded until reload, then not-found but still running', async () => {
    const { clock, sd, state, name } = await loaded();
    await sd.start(name);
    await clock.tick(100);
    await sd.disable(name);
    await sd.removeUnit(name);
    expect(await state()).toEqual({ load: 'loaded', active: 'active', sub: 'running' });
    await sd.daemonReload();
    expect(await state()).toEqual({ load: 'not-found', active: 'active', sub: 'running' });
    await sd.stop(name);
    await clock.tick(50);
    expect(await state()).toEqual({ load: 'not-found', active: 'inactive', sub: 'dead' });
  });

  it('with signals dropped, the periodic re-read still reports changes', async () => {
    const { clock, sd, changes, name } = await loaded();
    await clock.tick(5);
    expect(changes.map((c) => c.state.active)).toEqual(['inactive']);
    sd.dropSignals(true);
    await sd.start(name); // our own call still hints: activating is seen at once
    await clock.tick(5);
    expect(changes.map((c) => c.state.active)).toEqual(['inactive', 'activating']);
    await clock.tick(200); // active at 100 ms: no hint, seen at the next poll
    expect(changes.map((c) => c.state.active)).toEqual(['inactive', 'activating']);
    await clock.tick(1_000);
    expect(changes.map((c) => c.state.active)).toEqual(['inactive', 'activating', 'active']);
  });

  it('fails D-Bus calls while unavailable but still writes files', async () => {
    const { sd, name } = await loaded();
    sd.setAvailable(false);
    await sd.writeUnit('other.service', SLEEPER);
    await expect(sd.start(name)).rejects.toMatchObject({ code: 'SYSTEMD_UNAVAILABLE' });
    sd.setAvailable(true);
    await sd.start(name);
  });

  it('logs the calls made and tells what is linked and enabled', async () => {
    const { sd, name } = await loaded(`${SLEEPER}[Install]\nWantedBy=multi-user.target\n`);
    await sd.enable(name);
    expect(sd.isLinked(name)).toBe(true);
    expect(sd.isEnabled(name)).toBe(true);
    expect(sd.calls.map((c) => c.method)).toEqual(['writeUnit', 'link', 'daemonReload', 'enable']);
    expect(sd.calls[0]).toEqual({ method: 'writeUnit', name });
  });

  it('runs a thousand machines on one clock', async () => {
    const clock = new ManualClock();
    const machines = Array.from({ length: 1_000 }, () => new FakeSystemd({ clock }));
    let active = 0;
    for (const sd of machines) {
      sd.onChange((changes) => {
        active += changes.filter((c) => c.state.active === 'active').length;
      });
      await sd.writeUnit('web.service', SLEEPER);
      await sd.link('web.service');
      sd.watch(['web.service']);
      await sd.start('web.service');
    }
    await clock.tick(20);
    expect(active).toBe(1_000);
    await Promise.all(machines.map((sd) => sd.close()));
    expect(clock.pendingTimers).toBe(0);
  });
});
