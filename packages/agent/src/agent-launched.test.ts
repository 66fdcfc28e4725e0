// The units an agent launched, kept across fleetd restarts in the launched store: a restarted
// agent stops a unit its predecessor launched once the unit is set to loaded, and still leaves
// alone one that systemd started by itself.
import { RecordingLogger } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import type { FakeSystemd } from '@fleet/systemd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchedFileCorruptError } from './errors.js';
import { MemoryLaunchedStore, type LaunchedStore } from './launched-store.js';
import { activeState, AgentBench, callCount } from './testing/index.js';

describe('Agent: the units it launched, across a restart', () => {
  let bench: AgentBench;
  let sd: FakeSystemd;
  let store: MemoryLaunchedStore;
  beforeEach(async () => {
    bench = await AgentBench.create();
    sd = bench.systemd();
    store = new MemoryLaunchedStore();
  });
  afterEach(async () => {
    await bench.close();
  });

  const files = async () => (await sd.listUnitFiles()).map((f) => f.name);

  it('stops, after a restart, a unit its predecessor launched and that was set to loaded meanwhile; not one systemd started', async () => {
    const first = bench.agent({ systemd: sd, launchedStore: store });
    await bench.assign('web.service');
    await bench.assignAs('dep.service', 'loaded');
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
    await bench.until(async () => (await files()).includes('dep.service'));
    // systemd starts dep by itself (as the [Install] dependency of another unit).
    await sd.start('dep.service');
    await bench.until(async () => (await activeState(sd, 'dep.service')) === 'active');
    await bench.advance(6_000, 100); // a periodic pass sees dep running: it is not fleet's
    expect(store.saved).toEqual(['web.service']);

    await first.stop(); // no drain, as if SIGKILLed: units keep running
    await bench.assignAs('web.service', 'loaded'); // `fleetctl load` while fleetd is down
    await bench.advance(11_000, 100); // the old lease expires
    const second = bench.agent({ systemd: sd, launchedStore: store });
    await bench.until(() => second.registered);
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'inactive');
    await bench.advance(11_000, 100); // two periodic passes as well
    expect(callCount(sd, 'stop', 'web.service')).toBe(1);
    expect(callCount(sd, 'stop', 'dep.service')).toBe(0);
    expect(await activeState(sd, 'dep.service')).toBe('active');
    expect(await files()).toEqual(['dep.service', 'web.service']);
    expect(store.saved).toEqual([]);
  });

  it('records the launched units when they change, not on every pass', async () => {
    bench.agent({ systemd: sd, launchedStore: store });
    await bench.assign('web.service');
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
    await bench.assign('api.service');
    await bench.until(async () => (await activeState(sd, 'api.service')) === 'active');
    expect(store.saved).toEqual(['api.service', 'web.service']);
    const saves = store.saves;
    await bench.advance(30_000, 100); // six periodic passes
    expect(store.saves).toBe(saves);
    await bench.unschedule('web.service');
    await bench.until(async () => !(await files()).includes('web.service'));
    expect(store.saved).toEqual(['api.service']);
    expect(store.saves).toBe(saves + 1);
  });

  it('counts none of the recorded units that no longer have a unit file', async () => {
    await store.save(['gone.service', 'web.service']);
    const a = bench.agent({ systemd: sd, launchedStore: store });
    await bench.assign('web.service');
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
    await bench.advance(6_000, 100);
    expect(a.launchedUnits()).toEqual(['web.service']);
    expect(store.saved).toEqual(['web.service']);
  });

  it('with an unreadable record, warns once, counts none, and records afresh', async () => {
    const saved: string[][] = [];
    const broken: LaunchedStore = {
      load: () => Promise.reject(new LaunchedFileCorruptError('launched.json is corrupt')),
      save: (units) => Promise.resolve(void saved.push([...units])),
    };
    const logger = new RecordingLogger();
    bench.agent({ systemd: sd, launchedStore: broken, logger });
    await bench.assign('web.service');
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
    await bench.advance(20_000, 100);
    const warns = logger.records.filter(
      (r) => r.level === 'warn' && r.msg.startsWith('could not read which units'),
    );
    expect(warns).toHaveLength(1);
    expect(saved).toEqual([['web.service']]);
  });

  it('when the record cannot be written, warns once and writes it on a later pass', async () => {
    let failing = true;
    const flaky: LaunchedStore = {
      load: () => store.load(),
      save: (units) =>
        failing ? Promise.reject(new Error('ENOSPC: no space left')) : store.save(units),
    };
    const logger = new RecordingLogger();
    bench.agent({ systemd: sd, launchedStore: flaky, logger });
    await bench.assign('web.service');
    await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
    await bench.advance(20_000, 100);
    const warns = () =>
      logger.records.filter((r) => r.level === 'warn' && r.msg.startsWith('could not record'));
    expect(warns()).toHaveLength(1);
    expect(store.saved).toEqual([]);
    failing = false;
    await bench.advance(6_000, 100);
    expect(store.saved).toEqual(['web.service']);
    expect(warns()).toHaveLength(1);
  });
});

describe('Agent: a stop that fails', () => {
  it('is tried again on a later pass: the unit still counts as launched until it is stopped', async () => {
    const bench = await AgentBench.create();
    try {
      const sd = bench.systemd();
      const store = new MemoryLaunchedStore();
      let failures = 0;
      const flaky = overriding(sd, {
        stop: (name: string) => {
          if (name === 'web.service' && failures++ === 0)
            return Promise.reject(new Error('StopUnit: connection reset'));
          return sd.stop(name);
        },
      });
      bench.agent({ systemd: flaky, launchedStore: store });
      await bench.assign('web.service');
      await bench.until(async () => (await activeState(sd, 'web.service')) === 'active');
      await bench.assignAs('web.service', 'loaded');
      await bench.until(() => failures === 1);
      expect(store.saved).toEqual(['web.service']);
      await bench.until(async () => (await activeState(sd, 'web.service')) === 'inactive');
      expect(failures).toBe(2);
      expect(store.saved).toEqual([]);
    } finally {
      await bench.close();
    }
  });
});
