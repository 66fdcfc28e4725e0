// Contract: reading states in batches, and the change stream of watched units.
import { expect, it } from 'vitest';
import type { ContractContext } from './context.js';
import { hashOf } from './files.contract.js';
import { ChangeRecorder } from './wait.js';

const SLEEPER = '[Service]\nExecStart=/bin/sleep 3600\n';

export function statesContract(ctx: ContractContext): void {
  it('names no job for a process whose unit has none, nor for a process in no unit', async () => {
    const { systemd } = ctx.h();
    expect(await systemd.jobOfProcess(1)).toBeUndefined(); // init.scope on a real systemd
    expect(await systemd.jobOfProcess(4_194_000)).toBeUndefined(); // no such process
    for (const pid of [0, -1, 1.5, 2 ** 32])
      await expect(systemd.jobOfProcess(pid)).rejects.toMatchObject({
        code: 'SYSTEMD_INVALID_ARGS',
      });
  });

  it('reads the states of 50 units in one call; unknown ones are not-found', async () => {
    const { systemd } = ctx.h();
    const names = Array.from({ length: 50 }, (_, i) => ctx.unit(`many${i}`));
    const loaded = names.slice(0, 10);
    for (const name of loaded) {
      await systemd.writeUnit(name, SLEEPER);
      await systemd.link(name);
    }
    await systemd.daemonReload();
    const states = await systemd.unitStates([...names, names[0] ?? '']);
    expect([...states.keys()].sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(states.get(name)).toEqual(
        loaded.includes(name)
          ? { load: 'loaded', active: 'inactive', sub: 'dead', hash: hashOf(SLEEPER) }
          : { load: 'not-found', active: 'inactive', sub: 'dead' },
      );
    }
    expect((await systemd.unitStates([])).size).toBe(0);
  });

  it('reports the first state of a watched unit, then a change of its file hash', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('watched');
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([name]);
    await seen.waitFor(name, { load: 'not-found', active: 'inactive', sub: 'dead' });
    const mark = seen.mark();
    await systemd.writeUnit(name, SLEEPER);
    const state = await seen.waitFor(name, { hash: hashOf(SLEEPER) }, mark);
    expect(state).toMatchObject({ active: 'inactive', sub: 'dead' });
    seen.stop();
  });

  it('reports a state once per change, in order', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('ordered');
    await systemd.writeUnit(name, SLEEPER);
    await systemd.link(name);
    await systemd.daemonReload();
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([name]);
    await systemd.start(name);
    await seen.waitFor(name, { active: 'active', sub: 'running' });
    const running = seen.mark();
    await systemd.stop(name);
    await seen.waitFor(name, { active: 'inactive' }, running);
    const states = seen.statesOf(name);
    for (let i = 1; i < states.length; i++) expect(states[i]).not.toEqual(states[i - 1]);
    seen.stop();
  });

  it('reports nothing for units that are not watched, or after unwatch', async () => {
    const { systemd, time } = ctx.h();
    const [quiet, watched, dropped] = [ctx.unit('quiet'), ctx.unit('loud'), ctx.unit('dropped')];
    for (const name of [quiet, watched, dropped]) {
      await systemd.writeUnit(name, SLEEPER);
      await systemd.link(name);
    }
    await systemd.daemonReload();
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([watched, dropped]);
    await seen.waitFor(dropped, { active: 'inactive' });
    systemd.unwatch([dropped]);
    const mark = seen.mark();
    await systemd.start(quiet);
    await systemd.start(dropped);
    await systemd.start(watched);
    await seen.waitFor(watched, { active: 'active', sub: 'running' }, mark);
    const others = seen.changes.slice(mark).filter((c) => c.name !== watched);
    expect(others).toEqual([]);
    seen.stop();
  });

  it('stops calling a listener once it unsubscribes', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('listener');
    const early: string[] = [];
    const off = systemd.onChange((changes) => early.push(...changes.map((c) => c.name)));
    off();
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([name]);
    await seen.waitFor(name, { load: 'not-found' });
    expect(early).toEqual([]);
    seen.stop();
  });
}
