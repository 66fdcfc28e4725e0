// How soon an idle agent acts on an assignment change: a few changes arriving together (one
// watch response) start a pass at once; many, or changes during a pass, wait for the debounce.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentBench, callCount, flush } from './testing/index.js';

describe('Agent wake-up', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  /** An agent registered, its first passes done, waiting for changes. */
  async function idleAgent() {
    const sd = b.systemd();
    const a = b.agent({ systemd: sd });
    await b.until(() => a.registered);
    await b.advance(200);
    return sd;
  }

  it('starts a pass for a few changed assignments at once, without its debounce', async () => {
    const sd = await idleAgent();
    await b.assignAll(['a.service', 'b.service']);
    for (let i = 0; i < 20; i++) await flush(); // no clock time passes
    expect(callCount(sd, 'start', 'a.service')).toBe(1);
    expect(callCount(sd, 'start', 'b.service')).toBe(1);
  });

  it('gathers more than 32 changes arriving together for the debounce', async () => {
    const sd = await idleAgent();
    const units = Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}.service`);
    await b.assignAll(units);
    for (let i = 0; i < 20; i++) await flush();
    expect(callCount(sd, 'start', 'm00.service')).toBe(0);
    await b.until(() => units.every((u) => callCount(sd, 'start', u) === 1), 1_000);
  });
});
