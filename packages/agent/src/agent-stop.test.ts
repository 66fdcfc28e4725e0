// A stopped agent lets go of what it subscribed to: the systemd port's change listener is removed
// (architecture review, problem 3: the unsubscribe function used to be dropped).
import { overriding } from '@fleet/testkit';
import type { Systemd } from '@fleet/systemd';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentBench } from './testing/index.js';

describe('Agent.stop', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  it('unsubscribes from systemd changes', async () => {
    const sd = b.systemd();
    let listening = 0;
    const counted = overriding(sd, {
      onChange: (listener: Parameters<Systemd['onChange']>[0]) => {
        listening++;
        const off = sd.onChange(listener);
        return () => {
          listening--;
          off();
        };
      },
    });
    const a = b.agent({ systemd: counted });
    await b.until(() => a.registered);
    expect(listening).toBe(1);
    const stopped = a.stop();
    await b.advance(100);
    await stopped;
    expect(listening).toBe(0);
  });
});
