// The agent's registration decides by the error (architecture review, problem 4): an outage is
// waited out with a jittered backoff from 1 s and logged once per TTL; a refusal that retrying
// cannot help is logged as an error every time and tried again only once per reconcile interval.
import { UnavailableError, type Registry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { overriding } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentBench } from './testing/index.js';

describe('Agent registration errors', () => {
  let b: AgentBench;
  beforeEach(async () => {
    b = await AgentBench.create();
  });
  afterEach(async () => {
    await b.close();
  });

  /** The bench's registry, whose `registerMachine` rejects with `fault()` while it gives one. */
  function faulty(fault: () => Error | undefined) {
    const attempts: number[] = [];
    const link = overriding<Registry>(b.registry, {
      registerMachine: (...a: Parameters<Registry['registerMachine']>) => {
        attempts.push(b.clock.monotonic());
        const err = fault();
        return err === undefined ? b.registry.registerMachine(...a) : Promise.reject(err);
      },
    });
    return { link, attempts };
  }

  const gaps = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] ?? 0));
  const msgs = (log: RecordingLogger, level: string) =>
    log.records.filter((r) => r.level === level).map((r) => r.msg);

  it('backs off an outage from 1 s, doubling (jittered), and says so once per TTL', async () => {
    let left = 4;
    const f = faulty(() => (left-- > 0 ? new UnavailableError(['http://127.0.0.1:1']) : undefined));
    const log = new RecordingLogger();
    const a = b.agent({ registry: f.link, systemd: b.systemd(), logger: log, random: () => 0.5 });
    await b.until(() => a.registered, 30_000, 50);
    expect(gaps(f.attempts)).toEqual([1_000, 2_000, 4_000, 5_000]); // capped at the 5 s interval
    expect(msgs(log, 'warn')).toEqual(['registry unreachable; keeping units as they are']);
    expect(msgs(log, 'error')).toEqual([]);
  });

  it('jitters the outage backoff (±20 %): a low draw retries sooner', async () => {
    let left = 4;
    const f = faulty(() => (left-- > 0 ? new UnavailableError(['http://127.0.0.1:1']) : undefined));
    const a = b.agent({ registry: f.link, systemd: b.systemd(), random: () => 0 });
    await b.until(() => a.registered, 30_000, 50);
    expect(gaps(f.attempts)).toEqual([800, 1_600, 3_200, 4_000]);
  });

  it('logs a refusal that retrying cannot help as an error, and retries once per interval', async () => {
    let left = 3;
    const f = faulty(() => (left-- > 0 ? new TypeError('machine record refused') : undefined));
    const log = new RecordingLogger();
    const a = b.agent({ registry: f.link, systemd: b.systemd(), logger: log, random: () => 0.5 });
    await b.until(() => a.registered, 30_000, 50);
    expect(gaps(f.attempts)).toEqual([5_000, 5_000, 5_000]);
    expect(msgs(log, 'error')).toEqual([
      'the registry refused the machine: machine record refused',
      'the registry refused the machine: machine record refused',
      'the registry refused the machine: machine record refused',
    ]);
    expect(msgs(log, 'warn')).toEqual([]);
  });
});
