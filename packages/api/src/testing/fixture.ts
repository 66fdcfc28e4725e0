// Fixtures for this package's tests: an in-memory registry, an API over it, ways to put
// assignments and unit states in it, and a snapshot of everything (faults: `registry.faults`).
import { InMemoryRegistry, type MachineSession, type Registry } from '@fleet/registry';
import type { DesiredState, UnitOption } from '@fleet/unit';
import { createApi, type ApiHandler, type ApiOptions } from '../api.js';
import { inject, type InjectResponse } from './inject.js';

/** A plain service. */
export function serviceOptions(command = '/bin/sleep 1000'): UnitOption[] {
  return [
    { section: 'Unit', name: 'Description', value: 'test unit' },
    { section: 'Service', name: 'ExecStart', value: command },
  ];
}

/** A global service. */
export const GLOBAL_OPTIONS: UnitOption[] = [
  { section: 'Service', name: 'ExecStart', value: '/bin/true' },
  { section: 'X-Fleet', name: 'Global', value: 'true' },
];

/** A registry, an API over it and helpers, for one test. */
export class Fixture {
  // Real time: leases are far longer than any test, and keepalive timers do not hold the process.
  readonly registry = new InMemoryRegistry();
  readonly api: ApiHandler;
  private token: string | undefined;
  private readonly sessions = new Map<string, MachineSession>();

  constructor(opts: Partial<ApiOptions> = {}) {
    this.api = createApi({ registry: this.registry, version: '9.9.9', ...opts });
  }

  /** `inject` into this fixture's API. */
  request(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<InjectResponse> {
    return inject(this.api, {
      method,
      url,
      ...(body === undefined ? {} : { body }),
      ...(headers === undefined ? {} : { headers }),
    });
  }

  /** PUT /fleet/v1/units/<name> with a JSON body. */
  put(name: string, body: unknown): Promise<InjectResponse> {
    return this.request('PUT', `/fleet/v1/units/${encodeURIComponent(name)}`, body);
  }

  /** Creates a unit directly in the registry. */
  async unit(
    name: string,
    desiredState: DesiredState = 'inactive',
    options = serviceOptions(),
  ): Promise<string> {
    return (await this.registry.createUnit({ name, options, desiredState })).hash;
  }

  private async leader(): Promise<string> {
    if (this.token === undefined) {
      const l = await this.registry.campaign('engine-test', 10);
      if (l === undefined) throw new Error('could not become leader');
      this.token = l.token;
    }
    return this.token;
  }

  /** Schedules `unit` to `machineId` as the engine would. */
  async assign(
    machineId: string,
    unit: string,
    desiredState: DesiredState = 'launched',
    hash?: string,
  ): Promise<void> {
    const h = hash ?? (await this.registry.getUnit(unit))?.hash;
    if (h === undefined) throw new Error(`no unit ${unit}`);
    await this.registry.applyAssignments(await this.leader(), [
      { kind: 'schedule', machineId, unit, hash: h, desiredState },
    ]);
  }

  /** Schedules many units at once (one registry call), as the engine would. */
  async assignAll(
    placements: readonly {
      readonly machineId: string;
      readonly unit: string;
      readonly hash: string;
    }[],
  ): Promise<void> {
    await this.registry.applyAssignments(
      await this.leader(),
      placements.map((p) => ({ kind: 'schedule', ...p, desiredState: 'launched' })),
    );
  }

  /** Records the engine's reason for `unit`. */
  async reason(unit: string, reason: string): Promise<void> {
    await this.registry.setUnitReason(await this.leader(), unit, reason);
  }

  /** Registers a machine (once) and returns its session. */
  async machine(
    id: string,
    publicIP = '127.0.0.1',
    metadata: Record<string, string> = {},
  ): Promise<MachineSession> {
    const existing = this.sessions.get(id);
    if (existing !== undefined) return existing;
    const session = await this.registry.registerMachine(
      { id, publicIP, metadata, health: {}, version: '9.9.9', capabilities: [] },
      30,
    );
    this.sessions.set(id, session);
    return session;
  }

  /** Publishes systemd's state of `unit` on `machineId` (and, optionally, the agent's). */
  async publish(
    machineId: string,
    unit: string,
    activeState = 'active',
    extra: { readonly hash?: string; readonly state?: 'loaded' | 'launched' } = {},
  ): Promise<void> {
    const hash = extra.hash ?? (await this.registry.getUnit(unit))?.hash;
    if (hash === undefined) throw new Error(`no unit ${unit}`);
    const session = await this.machine(machineId);
    await session.publishUnitState({
      unit,
      hash,
      loadState: 'loaded',
      activeState,
      subState: activeState === 'active' ? 'running' : 'dead',
      ...(extra.state === undefined ? {} : { state: extra.state }),
    });
  }

  close(): Promise<void> {
    return this.registry.close();
  }
}

/** Everything the registry holds that the API can write, with the revision it was read at. */
export async function snapshot(registry: Registry): Promise<string> {
  const [units, assignments, machines, states] = await Promise.all([
    registry.listUnits(),
    registry.listAssignments(),
    registry.listMachines(),
    registry.listUnitStates(),
  ]);
  return JSON.stringify({ units, assignments, machines, states });
}
