// Contract: when a daemon-reload is needed. A unit systemd does not hold is read from disk when it
// is used, so a new file needs none (the agent's starts skip it); a unit held in memory keeps what
// its old file said until one (NeedDaemonReload). Seen on systemd 252 in an nspawn machine.
import { expect, it } from 'vitest';
import type { Systemd, SystemdUnitStatus } from '../../systemd.js';
import type { ContractContext } from './context.js';
import type { HarnessTime } from './harness.js';
import { hashOf } from './files.contract.js';
import { waitForState, waitUntil } from './wait.js';

const SLEEPER = '[Service]\nExecStart=/bin/sleep 3600\n';
const FAILING = '[Service]\nExecStart=/bin/false\n';
/** Ends active/exited: no other file here does, so that state proves which file ran. */
const ONESHOT = '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n';

/**
 * Waits until a start of FAILING or ONESHOT has settled (failed, or active/exited) and no job is
 * left; returns that state, which tells which of the two files ran.
 */
function settled(systemd: Systemd, time: HarnessTime, name: string) {
  return waitUntil<SystemdUnitStatus>(time, `${name}'s start to settle`, async () => {
    const s = (await systemd.unitStates([name])).get(name);
    const done = s?.active === 'failed' || (s?.active === 'active' && s.sub === 'exited');
    return done && s.job === undefined ? s : undefined;
  });
}

export function reloadContract(ctx: ContractContext): void {
  it('a new unit file starts without a daemon-reload: write, link, start runs that file', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('fresh');
    await systemd.writeUnit(name, ONESHOT);
    await systemd.link(name);
    expect(await systemd.needDaemonReload([name])).toEqual([]);
    await systemd.start(name);
    const s = await waitForState(systemd, time, name, { active: 'active' });
    expect(s).toEqual({ load: 'loaded', active: 'active', sub: 'exited', hash: hashOf(ONESHOT) });
  });

  it('a name held as not-found before its file existed starts once written and linked, without a reload', async () => {
    const { systemd, time } = ctx.h();
    const late = ctx.unit('late');
    const holder = ctx.unit('holder');
    // A running unit that wants `late` keeps it in memory as not-found (nothing collects it).
    await systemd.writeUnit(holder, `[Unit]\nWants=${late}\n\n${SLEEPER}`);
    await systemd.link(holder);
    await systemd.start(holder);
    await waitForState(systemd, time, holder, { active: 'active', sub: 'running' });
    expect((await systemd.unitStates([late])).get(late)).toMatchObject({ load: 'not-found' });
    await systemd.writeUnit(late, ONESHOT);
    await systemd.link(late);
    expect(await systemd.needDaemonReload([holder, late])).toEqual([]);
    await systemd.start(late);
    const s = await waitForState(systemd, time, late, { active: 'active' });
    expect(s).toMatchObject({ load: 'loaded', sub: 'exited', hash: hashOf(ONESHOT) });
  });

  it('a changed file of a unit held in memory needs a daemon-reload: until then a start runs the old file', async () => {
    const { systemd, time } = ctx.h();
    const name = ctx.unit('changed');
    await systemd.writeUnit(name, FAILING);
    await systemd.link(name);
    await systemd.start(name);
    await waitForState(systemd, time, name, { active: 'failed' }); // failed: held in memory
    expect(await systemd.needDaemonReload([name])).toEqual([]);
    await systemd.writeUnit(name, ONESHOT);
    expect(await systemd.needDaemonReload([name, ctx.unit('other')])).toEqual([name]);
    await systemd.start(name);
    expect(await settled(systemd, time, name)).toMatchObject({ active: 'failed' });
    await systemd.daemonReload();
    expect(await systemd.needDaemonReload([name])).toEqual([]);
    await systemd.start(name);
    const s = await waitForState(systemd, time, name, { active: 'active' });
    expect(s).toMatchObject({ load: 'loaded', sub: 'exited', hash: hashOf(ONESHOT) });
  });
}
