// What an idle agent asks of the registry: its lease renewals, the periodic listing of its own
// assignments, and no machine-record put unless something users see changed (or, for drifting
// gauges alone, every `healthMaxAgeMs`). Counted on the in-memory store over a manual clock.
import { InMemoryRegistry, type MachineEvent } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { advanceBy, advanceUntil } from '@fleet/runtime/testing';
import { FakeSystemd } from '@fleet/systemd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, type AgentOptions } from './agent.js';

const M1 = 'a1000000000000000000000000000001';
const MINUTE = 60_000;

describe('an idle agent', () => {
  let clock: ManualClock;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let agent: Agent | undefined;
  let systemState: string;
  let machinePuts: number;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = new InMemoryRegistry({ clock });
    systemd = new FakeSystemd({ clock });
    systemState = 'running';
    machinePuts = 0;
    const rev = (await registry.listMachines()).revision;
    registry.watchMachines(rev, (e: MachineEvent) => {
      if (e.type === 'put') machinePuts++;
    });
  });

  afterEach(async () => {
    const p = agent?.stop();
    await advanceBy(clock, 100, 10);
    await p;
    await systemd.close();
    await registry.close();
  });

  async function start(extra: Partial<AgentOptions> = {}): Promise<void> {
    agent = new Agent({
      registry,
      systemd,
      machine: { id: M1, publicIP: '127.0.0.11', metadata: {}, version: '0.1.0', capabilities: [] },
      ttlSeconds: 30,
      clock,
      // The default collector: version, systemd's state and the agent's uptime (a gauge).
      systemState: () => Promise.resolve(systemState),
      ...extra,
    });
    agent.start();
    const a = agent;
    await advanceUntil(clock, () => a.registered, { maxMs: 10_000, stepMs: 10 });
    await advanceBy(clock, 1_000, 10);
  }

  it('puts its machine record once per healthMaxAgeMs when only gauges (uptime) change', async () => {
    await start();
    expect(machinePuts).toBe(1); // the registration
    registry.faults.resetCalls();
    machinePuts = 0;
    await advanceBy(clock, 20 * MINUTE, 1_000);
    // 20 health refreshes (every 60 s); only the uptime changed: written every 10 minutes.
    expect(machinePuts).toBe(2);
    // No watch opened at idle; the own prefix listed every 5 min ±20 %.
    const { counts } = registry.faults.calls;
    expect(counts.watch).toBe(0);
    expect(counts.txn).toBe(2);
    expect(counts.range).toBeLessThanOrEqual(5);
  });

  it('writes a change of what users see (systemd state) at the next health refresh', async () => {
    await start();
    machinePuts = 0;
    await advanceBy(clock, 3 * MINUTE, 1_000);
    expect(machinePuts).toBe(0);
    systemState = 'degraded';
    await advanceBy(clock, MINUTE, 1_000);
    expect(machinePuts).toBe(1);
    const m = (await registry.listMachines()).items[0];
    expect(m?.health).toMatchObject({ systemState: 'degraded' });
  });

  it('writes the record at once when the machine itself changes', async () => {
    await start();
    machinePuts = 0;
    await agent?.updateMachine({ metadata: { role: 'db' } });
    expect(machinePuts).toBe(1);
    expect((await registry.listMachines()).items[0]?.metadata).toEqual({ role: 'db' });
  });
});
