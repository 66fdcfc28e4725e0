// The agent measures its lease's silence on the monotonic clock: on a real machine the wall clock
// (ms since 1970) and the monotonic clock (ms since boot) are far apart, and NTP steps the former.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeState, AgentBench, callCount } from './testing/index.js';

describe('Agent time', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  it('runs its units when the wall clock is decades ahead of the monotonic clock', async () => {
    b.clock.stepWall(56 * 365 * 24 * 3_600_000); // Date.now() versus performance.now()
    const sd = b.systemd();
    const a = b.agent({ systemd: sd, selfFence: true });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd, 'web.service')) === 'active');
    expect(a.registered).toBe(true);
  });

  it('neither fences nor stops acting when NTP steps the wall clock an hour either way', async () => {
    const sd = b.systemd();
    b.agent({ systemd: sd, selfFence: true });
    await b.assign('web.service');
    await b.until(async () => (await activeState(sd, 'web.service')) === 'active');
    b.clock.stepWall(3_600_000);
    await b.advance(10_000, 50);
    b.clock.stepWall(-7_200_000);
    await b.advance(10_000, 50);
    expect(await activeState(sd, 'web.service')).toBe('active');
    expect(callCount(sd, 'stop', 'web.service')).toBe(0);
    expect(callCount(sd, 'start', 'web.service')).toBe(1);
    await b.assign('api.service');
    await b.until(async () => (await activeState(sd, 'api.service')) === 'active');
  });
});
