// Contract: loading, starting, stopping, failing and unloading units.
import { expect, it } from 'vitest';
import type { Systemd } from '../../systemd.js';
import type { ContractContext } from './context.js';
import { hashOf } from './files.contract.js';
import { ChangeRecorder, waitForState, waitUntil } from './wait.js';

const SLEEPER = '[Unit]\nDescription=contract sleeper\n\n[Service]\nExecStart=/bin/sleep 3600\n';
const FAILING = '[Service]\nExecStart=/bin/false\n';
const INSTALLABLE = `${SLEEPER}\n[Install]\nWantedBy=multi-user.target\n`;

/** What the agent does to load a unit: write, link, reload. */
async function load(systemd: Systemd, name: string, content: string): Promise<void> {
  await systemd.writeUnit(name, content);
  await systemd.link(name);
  await systemd.daemonReload();
}

export function lifecycleContract(ctx: ContractContext): void {
  it('write, link and reload: the unit is loaded, inactive, dead, with our hash', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('load');
    await systemd.writeUnit(name, SLEEPER);
    const changes = await systemd.link(name);
    expect(changes).toContainEqual(
      expect.objectContaining({ type: 'symlink', destination: expect.stringMatching(`/${name}$`) }),
    );
    expect(await systemd.link(name)).toEqual([]);
    await systemd.daemonReload();
    expect((await systemd.unitStates([name])).get(name)).toEqual({
      load: 'loaded',
      active: 'inactive',
      sub: 'dead',
      hash: hashOf(SLEEPER),
    });
  });

  it('start: active/running arrives on the change stream; stop: inactive/dead', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('run');
    await load(systemd, name, SLEEPER);
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([name]);
    await seen.waitFor(name, { load: 'loaded', active: 'inactive', sub: 'dead' });
    const beforeStart = seen.mark();
    await systemd.start(name);
    const running = await seen.waitFor(name, { active: 'active', sub: 'running' }, beforeStart);
    expect(running).toEqual({
      load: 'loaded',
      active: 'active',
      sub: 'running',
      hash: hashOf(SLEEPER),
    });
    await systemd.start(name); // already running: nothing happens
    const beforeStop = seen.mark();
    await systemd.stop(name);
    await seen.waitFor(name, { load: 'loaded', active: 'inactive', sub: 'dead' }, beforeStop);
    seen.stop();
  });

  it('a service whose process fails ends failed; resetFailed clears it', async () => {
    const { systemd, time } = ctx.h();
    const before = await systemd.systemState();
    expect(['running', 'degraded']).toContain(before);
    const name = ctx.unit('fail');
    await load(systemd, name, FAILING);
    const seen = new ChangeRecorder(systemd, time);
    systemd.watch([name]);
    await systemd.start(name);
    await seen.waitFor(name, { active: 'failed', sub: 'failed' });
    expect(await systemd.systemState()).toBe('degraded');
    await systemd.stop(name); // stopping a failed unit leaves it failed
    expect((await systemd.unitStates([name])).get(name)).toMatchObject({ active: 'failed' });
    await systemd.resetFailed(name);
    await waitForState(systemd, time, name, { load: 'loaded', active: 'inactive', sub: 'dead' });
    expect(await systemd.systemState()).toBe(before);
    seen.stop();
  });

  it('resetFailed and stop of a unit that is not loaded succeed', async () => {
    const { systemd } = ctx.h();
    const unknown = ctx.unit('never-loaded');
    await systemd.resetFailed(unknown);
    await systemd.stop(unknown);
    const idle = ctx.unit('idle');
    await load(systemd, idle, SLEEPER);
    await systemd.resetFailed(idle);
    await systemd.resetFailed(idle);
  });

  it('start of a unit systemd does not know fails with SYSTEMD_NO_SUCH_UNIT', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('unknown');
    await expect(systemd.start(name)).rejects.toMatchObject({
      code: 'SYSTEMD_NO_SUCH_UNIT',
      retryable: false,
    });
    await systemd.writeUnit(name, SLEEPER); // written but not linked: still unknown
    await expect(systemd.start(name)).rejects.toMatchObject({ code: 'SYSTEMD_NO_SUCH_UNIT' });
  });

  it('a service without ExecStart= loads as bad-setting and will not start', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('bad');
    await load(systemd, name, '[Unit]\nDescription=no command\n\n[Service]\nType=simple\n');
    expect((await systemd.unitStates([name])).get(name)).toMatchObject({ load: 'bad-setting' });
    await expect(systemd.start(name)).rejects.toMatchObject({
      code: 'SYSTEMD_LOAD_FAILED',
      retryable: false,
    });
  });

  it('a start job shows as job "start" until it completes', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('slowstart');
    // The fake takes its start latency; the real systemd waits for ExecStartPre=.
    const slow = '[Service]\nExecStartPre=/bin/sleep 2\nExecStart=/bin/sleep 3600\n';
    await load(systemd, name, slow);
    expect((await systemd.unitStates([name])).get(name)?.job).toBeUndefined();
    await systemd.start(name);
    // Queued (still inactive) or running (activating): either way the start job is there.
    const starting = (await systemd.unitStates([name])).get(name);
    expect(starting?.job).toBe('start');
    expect(['inactive', 'activating']).toContain(starting?.active);
    const running = await waitForState(systemd, time, name, { active: 'active' });
    expect(running.job).toBeUndefined();
  });

  it('a service that runs and exits 0 ends inactive/dead with no job: not failed, not pending', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('quick');
    await load(systemd, name, '[Service]\nType=simple\nExecStart=/bin/true\n');
    await systemd.start(name);
    const done = await waitUntil(time, `${name} to run and exit`, async () => {
      const s = (await systemd.unitStates([name])).get(name);
      return s?.job === undefined && s?.active === 'inactive' ? s : undefined;
    });
    expect(done).toMatchObject({ load: 'loaded', active: 'inactive', sub: 'dead' });
  });

  it('link of a missing file fails with SYSTEMD_NO_SUCH_UNIT', async () => {
    const { systemd } = ctx.h();
    await expect(systemd.link(ctx.unit('nofile'))).rejects.toMatchObject({
      code: 'SYSTEMD_NO_SUCH_UNIT',
    });
  });

  it('enable creates the [Install] WantedBy= symlink, once; without [Install] nothing', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('install');
    await systemd.writeUnit(name, INSTALLABLE);
    await systemd.link(name);
    const enabled = await systemd.enable(name);
    expect(enabled.carriesInstallInfo).toBe(true);
    expect(enabled.changes).toContainEqual({
      type: 'symlink',
      path: expect.stringMatching(`/multi-user\\.target\\.wants/${name}$`),
      destination: expect.stringMatching(`/${name}$`),
    });
    expect(await systemd.enable(name)).toEqual({ carriesInstallInfo: true, changes: [] });
    const plain = ctx.unit('plain');
    await systemd.writeUnit(plain, SLEEPER);
    await systemd.link(plain);
    expect(await systemd.enable(plain)).toEqual({ carriesInstallInfo: false, changes: [] });
  });

  it('disable, remove and reload: an enabled, stopped unit is not-found, with no hash', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('unload');
    await load(systemd, name, INSTALLABLE);
    await systemd.enable(name);
    await systemd.start(name);
    await waitForState(systemd, time, name, { active: 'active' });
    await systemd.stop(name);
    await waitForState(systemd, time, name, { active: 'inactive' });
    const removed = await systemd.disable(name);
    expect(removed).toContainEqual(
      expect.objectContaining({ type: 'unlink', path: expect.stringMatching(`\\.wants/${name}$`) }),
    );
    expect(removed).toContainEqual(
      expect.objectContaining({ type: 'unlink', path: expect.stringMatching(`/${name}$`) }),
    );
    expect(await systemd.disable(name)).toEqual([]);
    await systemd.resetFailed(name);
    await systemd.removeUnit(name);
    await systemd.daemonReload();
    expect((await systemd.unitStates([name])).get(name)).toEqual({
      load: 'not-found',
      active: 'inactive',
      sub: 'dead',
    });
  });

  it('a rewritten file takes effect once the unit is stopped and systemd reloaded', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('replace');
    await load(systemd, name, SLEEPER);
    await systemd.start(name);
    await waitForState(systemd, time, name, { active: 'active', sub: 'running' });
    await systemd.writeUnit(name, FAILING);
    await systemd.daemonReload();
    await systemd.stop(name);
    await waitForState(systemd, time, name, { active: 'inactive' });
    await systemd.start(name);
    await waitForState(systemd, time, name, { active: 'failed', hash: hashOf(FAILING) });
  });
}
