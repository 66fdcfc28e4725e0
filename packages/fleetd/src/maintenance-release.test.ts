import { InMemoryRegistry } from '@fleet/registry';
import { silentLogger, systemClock } from '@fleet/runtime';
import { waitFor } from '@fleet/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { bootTimeMs, notReady, startMaintenanceRelease } from './maintenance-release.js';

const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];

let registry: InMemoryRegistry;
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await registry.close();
});

/** m1 holds a slot; `web.service` is assigned to it; its state is published as `active`. */
async function world(active: string) {
  registry = new InMemoryRegistry();
  const admin: [string, unknown][] = [];
  const store = Object.assign(Object.create(registry) as InMemoryRegistry, {
    setMachineAdmin: async (id: string, rec: unknown) => {
      admin.push([id, rec]);
    },
  });
  await registry.enterMaintenance('m1', 'os update');
  const { hash } = await registry.createUnit({
    name: 'web.service',
    options: OPTIONS,
    desiredState: 'launched',
  });
  const lead = await registry.campaign('engine', 30);
  await registry.applyAssignments(lead?.token ?? '', [
    { kind: 'schedule', machineId: 'm1', unit: 'web.service', hash, desiredState: 'launched' },
  ]);
  const session = await registry.registerMachine(
    { id: 'm1', publicIP: '127.0.0.1', metadata: {}, health: {}, version: '1', capabilities: [] },
    30,
  );
  const publish = (activeState: string, health?: 'passing' | 'failing') =>
    session.publishUnitState({
      unit: 'web.service',
      hash,
      loadState: 'loaded',
      activeState,
      subState: 'x',
      ...(health === undefined
        ? {}
        : { health: { status: health, checkedAt: new Date().toISOString() } }),
    });
  await publish(active);
  return { store, admin, publish };
}

function release(store: InMemoryRegistry, bootedAt: number, registered = true) {
  stops.push(
    startMaintenanceRelease({
      registry: store,
      machineId: 'm1',
      registered: () => registered,
      bootedAt: async () => bootedAt,
      clock: systemClock,
      log: silentLogger,
      intervalMs: 10,
    }),
  );
}

const holders = async () => (await registry.getMaintenance()).holders.map((h) => h.machineId);

describe('maintenance release after a reboot', () => {
  it('waits for the assigned units to be active and healthy, then uncordons and exits', async () => {
    const { store, admin, publish } = await world('activating');
    expect(await notReady(store, 'm1', true)).toBe('web.service is activating');
    expect(await notReady(store, 'm1', false)).toBe('not registered yet');
    release(store, Date.now() + 60_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await holders()).toEqual(['m1']);
    await publish('active', 'failing');
    await new Promise((r) => setTimeout(r, 100));
    expect(await holders()).toEqual(['m1']);
    await publish('active', 'passing');
    await waitFor(async () => (await holders()).length === 0, {
      timeoutMs: 5_000,
      what: 'release',
    });
    expect(admin).toEqual([['m1', null]]);
    const { items } = await registry.listEvents();
    expect(items.map((e) => `${e.kind} ${e.machineId ?? ''}`)).toEqual(['maintenance.exited m1']);
  });

  it('leaves a slot taken after this boot alone (fleetd restarted, no reboot yet)', async () => {
    const { store, admin } = await world('active');
    release(store, Date.now() - 60_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(await holders()).toEqual(['m1']);
    expect(admin).toEqual([]);
  });

  it('reads a boot time in the past', async () => {
    const t = await bootTimeMs();
    expect(t).toBeLessThan(Date.now());
    expect(t).toBeGreaterThan(Date.parse('2020-01-01'));
  });
});
