// The executor's own failures are catalogue errors: a load whose contents left the registry is a
// ContentsGoneError (AGENT_CONTENTS_GONE, not retryable), and it skips the unit's later tasks.
import { InMemoryRegistry } from '@fleet/registry';
import { isFleetError, isRetryable, ManualClock } from '@fleet/runtime';
import { advanceUntil } from '@fleet/runtime/testing';
import { FakeSystemd, SystemdNoSuchUnitError } from '@fleet/systemd';
import { overriding } from '@fleet/testkit';
import { describe, expect, it } from 'vitest';
import { ContentsGoneError } from './errors.js';
import { executeTasks } from './executor.js';

/**
 * Wraps a systemd call so that each answers after 10 ms of clock time (a round trip to
 * systemd), counting the most calls in flight at once.
 */
function slowCalls<A extends unknown[], R>(clock: ManualClock, call: (...a: A) => Promise<R>) {
  const probe = {
    most: 0,
    inFlight: 0,
    call: async (...a: A): Promise<R> => {
      probe.most = Math.max(probe.most, ++probe.inFlight);
      await new Promise<void>((resolve) => clock.setTimer(10, resolve));
      probe.inFlight--;
      return call(...a);
    },
  };
  return probe;
}

describe('executeTasks', () => {
  it('fails a load whose contents are gone with AGENT_CONTENTS_GONE and skips its start', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const systemd = new FakeSystemd({ clock });
    const gone = 'f'.repeat(40);
    const out = await executeTasks(
      [
        { kind: 'load', unit: 'web.service', hash: gone, reason: 'test' },
        { kind: 'reload', reason: 'test' },
        { kind: 'start', unit: 'web.service', reason: 'test' },
      ],
      systemd,
      registry,
      { clock },
    );
    const err = out[0]?.error;
    expect(err).toBeInstanceOf(ContentsGoneError);
    expect(isFleetError(err) ? err.code : undefined).toBe('AGENT_CONTENTS_GONE');
    expect(isRetryable(err)).toBe(false);
    expect(String((err as Error).message)).toBe(
      `contents of web.service (${gone}) are gone from the registry`,
    );
    expect(out.slice(1).map((o) => [o.task.kind, o.error, o.skipped])).toEqual([
      ['reload', undefined, true], // systemd holds nothing changed: no daemon-reload
      ['start', undefined, true],
    ]);
    await systemd.close();
    await registry.close();
  });

  it('overlaps the starts of a plan, at most 16 StartUnit calls in flight, outcomes in order', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const units = Array.from({ length: 40 }, (_, i) => `s${String(i).padStart(2, '0')}.service`);
    for (const u of units) {
      await fake.writeUnit(u, '[Service]\nExecStart=/bin/sleep 1000\n');
      await fake.link(u);
    }
    const starts = slowCalls(clock, (name: string) => fake.start(name));
    const systemd = overriding(fake, { start: starts.call });
    let out: Awaited<ReturnType<typeof executeTasks>> | undefined;
    const running = executeTasks(
      units.map((unit) => ({ kind: 'start' as const, unit, reason: 'test' })),
      systemd,
      registry,
      { clock },
    ).then((o) => (out = o));
    const took = await advanceUntil(clock, () => out !== undefined, { maxMs: 10_000, stepMs: 10 });
    await running;
    expect(starts.most).toBe(16);
    expect(took).toBeLessThanOrEqual(30); // 40 starts of 10 ms each: three rounds, not forty
    expect(out?.map((o) => [o.task.kind === 'start' ? o.task.unit : '', o.error])).toEqual(
      units.map((u) => [u, undefined]),
    );
    await fake.close();
    await registry.close();
  });

  it('reloads and starts again, once per plan, when a start finds no such unit after a skipped reload', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const units = ['a.service', 'b.service', 'c.service'];
    for (const u of units) {
      await fake.writeUnit(u, '[Service]\nExecStart=/bin/sleep 1000\n');
      await fake.link(u);
    }
    // A systemd that did not notice the new files until a daemon-reload.
    let reloaded = false;
    const systemd = overriding(fake, {
      daemonReload: async () => {
        reloaded = true;
        await fake.daemonReload();
      },
      start: async (name: string) => {
        if (!reloaded)
          throw new SystemdNoSuchUnitError(`Unit ${name} not found.`, { operation: 'StartUnit' });
        await fake.start(name);
      },
    });
    const out = await executeTasks(
      [
        { kind: 'reload', reason: 'test' },
        ...units.map((unit) => ({ kind: 'start' as const, unit, reason: 'test' })),
      ],
      systemd,
      registry,
      { clock },
    );
    expect(out.map((o) => [o.task.kind, o.error, o.skipped, o.reloadedFirst])).toEqual([
      ['reload', undefined, true, undefined],
      ['start', undefined, undefined, true],
      ['start', undefined, undefined, undefined],
      ['start', undefined, undefined, undefined],
    ]);
    expect(fake.calls.filter((c) => c.method === 'daemonReload')).toHaveLength(1);
    await fake.close();
    await registry.close();
  });

  it('overlaps the loads of a plan too, at most 16 links in flight, every file written', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const options = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
    const units = Array.from({ length: 40 }, (_, i) => `l${String(i).padStart(2, '0')}.service`);
    const hashes: string[] = [];
    for (const name of units)
      hashes.push((await registry.createUnit({ name, options, desiredState: 'loaded' })).hash);
    const links = slowCalls(clock, (name: string) => fake.link(name));
    const systemd = overriding(fake, { link: links.call });
    let out: Awaited<ReturnType<typeof executeTasks>> | undefined;
    const tasks = units.map((unit, i) => ({
      kind: 'load' as const,
      unit,
      hash: hashes[i] ?? '',
      reason: 'test',
    }));
    const running = executeTasks(tasks, systemd, registry, { clock }).then((o) => (out = o));
    await advanceUntil(clock, () => out !== undefined, { maxMs: 10_000, stepMs: 10 });
    await running;
    expect(links.most).toBe(16);
    expect(out?.map((o) => [o.task.kind === 'load' ? o.task.unit : '', o.error])).toEqual(
      units.map((u) => [u, undefined]),
    );
    expect((await fake.listUnitFiles()).map((f) => f.name)).toEqual(units);
    expect(units.every((u) => fake.isLinked(u))).toBe(true);
    await fake.close();
    await registry.close();
  });

  it('overlaps the unloads of a plan (a destroy of many units), at most 16 stops in flight', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const units = Array.from({ length: 40 }, (_, i) => `u${String(i).padStart(2, '0')}.service`);
    for (const name of units) {
      await fake.writeUnit(name, '[Service]\nExecStart=/bin/sleep 1000\n');
      await fake.link(name);
      await fake.start(name);
    }
    const stops = slowCalls(clock, (name: string) => fake.stop(name));
    const systemd = overriding(fake, { stop: stops.call });
    let out: Awaited<ReturnType<typeof executeTasks>> | undefined;
    const tasks = units.map((unit) => ({ kind: 'unload' as const, unit, reason: 'test' }));
    const running = executeTasks(tasks, systemd, registry, { clock }).then((o) => (out = o));
    await advanceUntil(clock, () => out !== undefined, { maxMs: 10_000, stepMs: 10 });
    await running;
    expect(stops.most).toBe(16);
    expect(out?.map((o) => [o.task.kind === 'unload' ? o.task.unit : '', o.error])).toEqual(
      units.map((u) => [u, undefined]),
    );
    expect(await fake.listUnitFiles()).toEqual([]);
    await fake.close();
    await registry.close();
  });
});
