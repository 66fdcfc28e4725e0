// A new unit starts as soon as its own file is written and linked, not after every load of the
// plan; units that could make systemd read another of the plan's files early wait, as before.
import { InMemoryRegistry } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import { advanceUntil } from '@fleet/runtime/testing';
import type { AgentTask } from '@fleet/scheduler';
import { FakeSystemd } from '@fleet/systemd';
import { overriding } from '@fleet/testkit';
import { parseUnitFile } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { earlyStarts } from './early-start.js';
import { executeTasks, type TaskOutcome } from './executor.js';

const SLEEP = '[Service]\nExecStart=/bin/sleep 1000\n';

/** Creates `files` in the registry; returns the plan of a pass that loads and starts them all. */
async function newUnitsPlan(registry: InMemoryRegistry, files: Record<string, string>) {
  const loads: AgentTask[] = [];
  const starts: AgentTask[] = [];
  for (const [name, text] of Object.entries(files)) {
    const options = parseUnitFile(text);
    const { hash } = await registry.createUnit({ name, options, desiredState: 'launched' });
    loads.push({ kind: 'load', unit: name, hash, reason: 'test' });
    starts.push({ kind: 'start', unit: name, reason: 'test' });
  }
  return [...loads, { kind: 'reload', reason: 'test' } as const, ...starts];
}

/** Runs the plan with links that each take 10 ms of clock time; returns the outcomes. */
async function runSlowLinks(
  clock: ManualClock,
  fake: FakeSystemd,
  registry: InMemoryRegistry,
  tasks: AgentTask[],
) {
  const systemd = overriding(fake, {
    link: async (name: string) => {
      await new Promise<void>((resolve) => clock.setTimer(10, resolve));
      return fake.link(name);
    },
  });
  let out: TaskOutcome[] | undefined;
  const running = executeTasks(tasks, systemd, registry, { clock }).then((o) => (out = o));
  await advanceUntil(clock, () => out !== undefined, { maxMs: 10_000, stepMs: 10 });
  await running;
  return out ?? [];
}

const indexOf = (fake: FakeSystemd, method: string, name: string) =>
  fake.calls.findIndex((c) => c.method === method && c.name === name);

describe('executeTasks, early starts', () => {
  it('starts a new unit once its own load is done, before the later loads, outcomes in plan order', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const names = Array.from({ length: 20 }, (_, i) => `e${String(i).padStart(2, '0')}.service`);
    const tasks = await newUnitsPlan(registry, Object.fromEntries(names.map((n) => [n, SLEEP])));
    const out = await runSlowLinks(clock, fake, registry, tasks);
    expect(out.map((o) => [o.task.kind, o.error, o.skipped])).toEqual(
      tasks.map((t) => [t.kind, undefined, t.kind === 'reload' ? true : undefined]),
    );
    // 16 links at once: the first units' starts come before the last units' links.
    expect(indexOf(fake, 'start', 'e00.service')).toBeLessThan(
      indexOf(fake, 'link', 'e19.service'),
    );
    expect(names.every((n) => indexOf(fake, 'start', n) >= 0)).toBe(true);
    expect(fake.calls.filter((c) => c.method === 'daemonReload')).toHaveLength(0);
    await fake.close();
    await registry.close();
  });

  it('waits for every load when a unit names another unit of the plan, is named by one, or shares its stem', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    const files: Record<string, string> = {
      'a.service': `[Unit]\nRequires=z.service\nAfter=z.service\n${SLEEP}`,
      'b.socket': '[Socket]\nListenStream=/run/b.sock\n',
      'b.service': SLEEP,
      'c@1.service': `[Unit]\nAfter=d@%i.service\n${SLEEP}`,
      'w.service': SLEEP,
      'x.service': `${SLEEP}[Install]\nWantedBy=w.service\n`,
    };
    for (let i = 0; i < 16; i++) files[`p${String(i).padStart(2, '0')}.service`] = SLEEP;
    files['z.service'] = SLEEP;
    const tasks = await newUnitsPlan(registry, files);
    const out = await runSlowLinks(clock, fake, registry, tasks);
    expect(out.filter((o) => o.error !== undefined)).toEqual([]);
    const lastLink = Math.max(...Object.keys(files).map((n) => indexOf(fake, 'link', n)));
    for (const n of ['a.service', 'b.socket', 'b.service', 'c@1.service', 'w.service', 'x.service'])
      expect(indexOf(fake, 'start', n)).toBeGreaterThan(lastLink);
    expect(indexOf(fake, 'start', 'p00.service')).toBeLessThan(lastLink);
    await fake.close();
    await registry.close();
  });

  it('starts a unit systemd holds from an older file only after the daemon-reload', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const fake = new FakeSystemd({ clock });
    // systemd loaded old.service from a file that is then replaced behind its back.
    await fake.writeUnit('old.service', '[Service]\nExecStart=/bin/sleep 1\n');
    await fake.link('old.service');
    await fake.start('old.service');
    await fake.removeUnit('old.service');
    const tasks = await newUnitsPlan(registry, { 'old.service': SLEEP, 'new.service': SLEEP });
    const out = await runSlowLinks(clock, fake, registry, tasks);
    expect(out.filter((o) => o.error !== undefined)).toEqual([]);
    const reload = fake.calls.findIndex((c) => c.method === 'daemonReload');
    expect(reload).toBeGreaterThan(indexOf(fake, 'start', 'new.service'));
    expect(
      fake.calls.findLastIndex((c) => c.method === 'start' && c.name === 'old.service'),
    ).toBeGreaterThan(reload);
    await fake.close();
    await registry.close();
  });
});

describe('earlyStarts', () => {
  const opts = (text: string) => new Map([['h', parseUnitFile(text)]]);
  it('takes none from a plan that unloads, or whose contents could not be read', () => {
    const load: AgentTask = { kind: 'load', unit: 'a.service', hash: 'h', reason: '' };
    const start: AgentTask = { kind: 'start', unit: 'a.service', reason: '' };
    expect(earlyStarts([load, start], opts(SLEEP))).toEqual(new Set(['a.service']));
    const unload: AgentTask = { kind: 'unload', unit: 'x.service', reason: '' };
    expect(earlyStarts([unload, load, start], opts(SLEEP))).toEqual(new Set());
    expect(earlyStarts([load, start], new Error('etcd down'))).toEqual(new Set());
    expect(earlyStarts([load], opts(SLEEP))).toEqual(new Set()); // loaded, not launched
  });
});
