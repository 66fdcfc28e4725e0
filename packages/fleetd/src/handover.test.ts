// Two fleetds with engines over one registry (systemd faked): a machine handed over for an
// in-place restart keeps its units and its assignments, the engine moving nothing, when its next
// fleetd takes it over; a hand-over no fleetd takes expires, and the engine moves its units.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry, type Registry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { overriding, waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';

const A = 'a1000000000000000000000000000001';
const B = 'b2000000000000000000000000000002';
const UNITS = ['u1.service', 'u2.service', 'u3.service', 'u4.service', 'u5.service', 'u6.service'];
const options = (name: string) => [
  { section: 'Unit', name: 'Description', value: name },
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
];

describe('a fleetd handing its machine over, with engines', () => {
  let dir: string;
  let registry: InMemoryRegistry;
  let deleted: string[];
  let closeWatch: () => Promise<void>;
  const daemons: Fleetd[] = [];
  /** Each machine's systemd outlives its fleetds (fleetd's close of it is a no-op here). */
  const systemds = new Map<string, FakeSystemd>();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-handover-'));
    registry = new InMemoryRegistry();
    deleted = [];
    const w = registry.watchMachines((await registry.listMachines()).revision, (e) => {
      if (e.type === 'delete') deleted.push(e.machineId);
    });
    closeWatch = () => w.close();
    for (const id of [A, B]) {
      await mkdir(join(dir, id));
      await writeFile(join(dir, id, 'machine-id'), `${id}\n`);
      systemds.set(id, new FakeSystemd());
    }
  });
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop();
    await closeWatch();
    for (const sd of systemds.values()) await sd.close();
    systemds.clear();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function fleetd(id: string): Promise<Fleetd> {
    const config = buildConfig({
      flags: {
        machine_id_file: join(dir, id, 'machine-id'),
        units_directory: join(dir, id, 'units'),
        listen_unix: join(dir, id, 'fleet.sock'),
        agent_ttl: '2s',
        public_ip: '127.0.0.1',
        engine_reconcile_interval: '0.2',
      },
    }).config;
    const sd = systemds.get(id) as FakeSystemd;
    const d = await Fleetd.start(config, new RecordingLogger(), {
      registry: overriding<Registry>(registry, { close: () => Promise.resolve() }),
      systemd: overriding(sd, { close: () => Promise.resolve() }),
    });
    daemons.push(d);
    return d;
  }
  const placed = async () =>
    (await registry.listAssignments()).items.map((a) => `${a.unit}@${a.machineId}`).sort();
  const activeOn = async (id: string) => {
    const states = await (systemds.get(id) as FakeSystemd).unitStates(UNITS);
    return UNITS.filter((u) => states.get(u)?.active === 'active');
  };
  const starts = (id: string) =>
    (systemds.get(id) as FakeSystemd).calls.filter((c) => c.method === 'start').length;
  const stop = async (d: Fleetd, seconds: number) => {
    daemons.splice(daemons.indexOf(d), 1);
    await d.stop({ kind: 'hand-over', seconds, why: 'test' });
  };

  async function cluster(): Promise<Fleetd> {
    const a = await fleetd(A);
    await fleetd(B);
    for (const name of UNITS)
      await registry.createUnit({ name, options: options(name), desiredState: 'launched' });
    await waitFor(
      async () => (await activeOn(A)).length + (await activeOn(B)).length === UNITS.length,
      { timeoutMs: 20_000, what: 'every unit active' },
    );
    expect((await activeOn(A)).length).toBeGreaterThan(0);
    return a;
  }

  it('keeps units and assignments when the next fleetd takes the machine over', async () => {
    const a = await cluster();
    const before = await placed();
    const onA = await activeOn(A);
    const startsA = starts(A);
    await stop(a, 3);
    const next = await fleetd(A);
    await waitFor(() => next.agent.registered, { timeoutMs: 2_000, what: 'the takeover' });
    // Past the agent TTL and the hand-over lease: nothing has moved.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(deleted).toEqual([]);
    expect(await placed()).toEqual(before);
    expect(await activeOn(A)).toEqual(onA);
    expect(starts(A)).toBe(startsA);
    expect(next.agent.launchedUnits()).toEqual(onA);
  }, 30_000);

  it('lets the engine move the units of a machine no fleetd took over, once the hand-over expires', async () => {
    const a = await cluster();
    const onA = await activeOn(A);
    await stop(a, 3);
    await new Promise((r) => setTimeout(r, 2_500)); // past the agent TTL: still there
    expect(deleted).toEqual([]);
    await waitFor(() => deleted.length > 0, { timeoutMs: 5_000, what: 'the machine to expire' });
    expect(deleted).toEqual([A]);
    await waitFor(async () => (await activeOn(B)).length === UNITS.length, {
      timeoutMs: 20_000,
      what: "A's units to run on B",
    });
    // Never touched on A: its fleetd is gone.
    expect(await activeOn(A)).toEqual(onA);
  }, 30_000);
});
