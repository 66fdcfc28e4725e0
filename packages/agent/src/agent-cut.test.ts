// A machine cut from etcd for longer than its TTL: its lease expires and the engine may delete
// and re-create its assignments meanwhile. The agent keeps its global units running throughout,
// and with `selfFence` stops its other units before the lease can expire.
import { RecordingLogger } from '@fleet/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeState, AgentBench, callCount, cuttable } from './testing/index.js';

const GLOBAL = 'node-exporter.service';

describe('Agent cut from the registry for longer than its TTL', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  it('neither stops nor restarts a global unit whose assignment was deleted and re-added during the cut', async () => {
    const net = cuttable(b.registry, b.clock);
    const sd = b.systemd();
    const a = b.agent({ registry: net.link, systemd: sd });
    await b.assign(GLOBAL, true);
    await b.until(async () => (await activeState(sd, GLOBAL)) === 'active');
    await b.advance(6_000, 50); // a periodic pass too
    net.cut();
    await b.advance(12_000, 50); // the lease (TTL 10 s) has expired
    expect((await b.registry.listMachines()).items).toEqual([]);
    // What an engine does with the machine gone and back: unschedule, then schedule again.
    await b.unschedule(GLOBAL);
    await b.advance(8_000, 50);
    await b.assign(GLOBAL, true);
    await b.advance(10_000, 50);
    expect(net.held()).toBe(2); // the delete and the put, replayed after the cut
    net.restore();
    await b.until(() => a.registered && net.held() === 0, 30_000, 50);
    await b.advance(30_000, 50);
    expect(a.metrics.registrations).toBe(2);
    expect([callCount(sd, 'stop', GLOBAL), callCount(sd, 'start', GLOBAL)]).toEqual([0, 1]);
    expect(await activeState(sd, GLOBAL)).toBe('active');
  });

  for (const selfFence of [true, false]) {
    it(`${selfFence ? 'with' : 'without'} selfFence, ${selfFence ? 'stops' : 'keeps'} a non-global unit before the lease can expire; the global one runs on`, async () => {
      const net = cuttable(b.registry, b.clock);
      const sd = b.systemd();
      const log = new RecordingLogger();
      const a = b.agent({ registry: net.link, systemd: sd, selfFence, logger: log });
      await b.assign('web.service');
      await b.assign(GLOBAL, true);
      await b.until(
        async () =>
          (await activeState(sd, 'web.service')) === 'active' &&
          (await activeState(sd, GLOBAL)) === 'active',
      );
      await b.advance(6_000, 50);
      net.cut();
      // The last renewal etcd acknowledged: the lease expires TTL (10 s) after it.
      const renewedAt = net.lastRenewedAt() ?? NaN;
      let webStoppedAt: number | undefined;
      for (let t = 0; t < 30_000; t += 50) {
        await b.advance(50, 50);
        if (webStoppedAt === undefined && (await activeState(sd, 'web.service')) !== 'active')
          webStoppedAt = b.clock.now();
      }
      // The lease has expired.
      expect((await b.registry.listMachines()).items).toEqual([]);
      expect(await activeState(sd, GLOBAL)).toBe('active');
      expect(callCount(sd, 'stop', GLOBAL)).toBe(0);
      if (selfFence) {
        expect(webStoppedAt).toBeDefined();
        // TTL less the margin (TTL/5) after the renewal: before the lease could expire.
        const after = (webStoppedAt ?? Infinity) - renewedAt;
        expect(after).toBeGreaterThanOrEqual(8_000);
        expect(after).toBeLessThan(10_000);
        expect(log.records.map((r) => r.msg)).toContainEqual(
          expect.stringMatching(/self-fence: stopping every non-global unit/),
        );
      } else {
        expect(webStoppedAt).toBeUndefined();
        expect(callCount(sd, 'stop', 'web.service')).toBe(0);
      }
      // Back: registered again, it follows its assignments (web.service is still assigned).
      net.restore();
      await b.until(() => a.registered, 30_000, 50);
      await b.until(async () => (await activeState(sd, 'web.service')) === 'active', 30_000, 50);
      expect(callCount(sd, 'start', 'web.service')).toBe(selfFence ? 2 : 1);
      expect([callCount(sd, 'stop', GLOBAL), callCount(sd, 'start', GLOBAL)]).toEqual([0, 1]);
    });
  }
});
