// The agent daemon-reloads only when systemd needs it: a new unit file is read when the unit is
// first used, so starting new units takes no reload, however many; a changed file of a unit
// systemd holds (NeedDaemonReload) takes one per pass. Counted on FakeSystemd, which models both.
import { InMemoryRegistry, type UnitState } from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { advanceUntil } from '@fleet/runtime/testing';
import { FakeSystemd } from '@fleet/systemd';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';

const M1 = 'a1000000000000000000000000000001';
const SLEEPER: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
/** Runs as active/exited, which no SLEEPER does: tells which file systemd ran. */
const ONESHOT: UnitOption[] = [
  { section: 'Service', name: 'Type', value: 'oneshot' },
  { section: 'Service', name: 'RemainAfterExit', value: 'yes' },
  { section: 'Service', name: 'ExecStart', value: '/bin/true' },
];

describe('Agent daemon-reloads', () => {
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let agent: Agent;
  let token: string;
  let log: RecordingLogger;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = new InMemoryRegistry({ clock });
    systemd = new FakeSystemd({ clock });
    const l = await registry.campaign('engine-under-test', 600);
    if (l === undefined) throw new Error('no leadership');
    token = l.token;
    log = new RecordingLogger();
    agent = new Agent({
      registry,
      systemd,
      machine: { id: M1, publicIP: '127.0.0.11', metadata: {}, version: '0.1.0', capabilities: [] },
      ttlSeconds: 10,
      clock,
      logger: log,
      collectHealth: () => Promise.resolve({ systemState: 'running' }),
    });
    agent.start();
  });

  afterEach(async () => {
    const p = agent.stop();
    await advanceUntil(clock, () => false, { maxMs: 100, stepMs: 10 }).catch(() => undefined);
    await p;
    await systemd.close();
    await registry.close();
  });

  const until = (cond: () => boolean | Promise<boolean>): Promise<number> =>
    advanceUntil(clock, cond, { maxMs: 30_000, stepMs: 10 });
  const reloads = (): number => systemd.calls.filter((c) => c.method === 'daemonReload').length;
  const states = async (): Promise<readonly UnitState[]> =>
    (await registry.listUnitStates({ machineId: M1 })).items;

  /** Creates (or replaces) the units and assigns them here, in one write of assignments. */
  async function assign(units: readonly string[], options: UnitOption[]): Promise<void> {
    for (const name of units) {
      if ((await registry.getUnit(name)) !== undefined) await registry.destroyUnit(name);
      await registry.createUnit({ name, options, desiredState: 'launched' });
    }
    await registry.applyAssignments(
      token,
      units.map((unit) => ({
        kind: 'schedule' as const,
        machineId: M1,
        unit,
        hash: unitHash(options),
        desiredState: 'launched' as const,
      })),
    );
  }

  const running = async (units: readonly string[], options: UnitOption[], sub: string) => {
    const s = await states();
    return units.every((u) =>
      s.some(
        (x) =>
          x.unit === u &&
          x.hash === unitHash(options) &&
          x.activeState === 'active' &&
          x.subState === sub,
      ),
    );
  };

  it('starts a batch of new units without a daemon-reload', async () => {
    await until(() => agent.registered);
    // More than an idle agent acts on at once (32): the debounce gathers them.
    const units = Array.from({ length: 40 }, (_, i) => `new-${i}.service`);
    await assign(units, SLEEPER);
    await until(() => running(units, SLEEPER, 'running'));
    expect(reloads()).toBe(0);
    expect(agent.metrics.daemonReloads).toBe(0);
    expect(agent.metrics.daemonReloadsSkipped).toBeGreaterThanOrEqual(1);
    // Where the time went, per pass that ran tasks: the 20 ms debounce shows as the wake-up.
    const timings = log.records.filter((r) => r.msg === 'pass timings');
    expect(timings[0]?.level).toBe('debug');
    // 40 loads, the reload, 40 starts.
    expect(timings[0]?.fields).toMatchObject({ tasks: 81, ms: { wake: 20 } });
    expect(agent.metrics.phaseMs.wake).toBeGreaterThanOrEqual(20);
  });

  it('reloads once for changed files of running units, and then runs the new files', async () => {
    await until(() => agent.registered);
    const units = ['a.service', 'b.service', 'c.service'];
    await assign(units, SLEEPER);
    await until(() => running(units, SLEEPER, 'running'));
    expect(reloads()).toBe(0);
    // New contents: unload (stop queued, still in memory), load, reload, start, in one pass.
    await assign(units, ONESHOT);
    await until(() => running(units, ONESHOT, 'exited'));
    expect(reloads()).toBe(1);
    expect(agent.metrics.daemonReloads).toBe(1);
  });
});
