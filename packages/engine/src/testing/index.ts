// Test helpers for the engine (the `@fleet/engine/testing` subpath, never the main entry): engines
// over one InMemoryRegistry on one ManualClock, stopped and closed in one call, and builders for
// units and machine records.
import {
  InMemoryRegistry,
  type MachineRecord,
  type MachineSession,
  type UnitInput,
} from '@fleet/registry';
import { ManualClock, RecordingLogger } from '@fleet/runtime';
import { advanceBy, advanceUntil, type AdvanceUntilOptions } from '@fleet/runtime/testing';
import { xfleetOptions } from '@fleet/scheduler/testing';
import { Engine } from '../engine.js';
import type { EngineOptions } from '../engine-options.js';

export const M1 = 'a1000000000000000000000000000001';
export const M2 = 'b2000000000000000000000000000002';
export const M3 = 'c3000000000000000000000000000003';

/** A unit that runs until stopped, with `[X-Fleet]` lines such as `Global=true`. */
export function unitInput(
  name: string,
  xfleet: string[] = [],
  desiredState: UnitInput['desiredState'] = 'launched',
): UnitInput {
  const options = [
    { section: 'Service', name: 'ExecStart', value: `/bin/sleep 1000 # ${name}` },
    ...xfleetOptions(xfleet),
  ];
  return { name, options, desiredState };
}

export function machineRecord(id: string, metadata: Record<string, string> = {}): MachineRecord {
  return { id, publicIP: '127.0.0.1', metadata, health: {}, version: 'test', capabilities: [] };
}

/** unit -> machine IDs, from the registry. */
export async function placement(
  registry: Pick<InMemoryRegistry, 'listAssignments'>,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const a of (await registry.listAssignments()).items) (out[a.unit] ??= []).push(a.machineId);
  return out;
}

/** Engines over one in-memory registry on one manual clock. */
export class EngineBench {
  readonly clock = new ManualClock();
  readonly registry = new InMemoryRegistry({ clock: this.clock });
  /** Sessions of the machines registered through {@link register}. */
  readonly sessions: MachineSession[] = [];
  private readonly engines: Engine[] = [];

  /** Registers machines (TTL `ttlSeconds`); their sessions are kept in {@link sessions}. */
  async register(ids: readonly string[], ttlSeconds = 30): Promise<MachineSession[]> {
    const out: MachineSession[] = [];
    for (const id of ids)
      out.push(await this.registry.registerMachine(machineRecord(id), ttlSeconds));
    this.sessions.push(...out);
    return out;
  }

  /** A started engine (candidate M1, over the bench's registry, with a RecordingLogger). */
  engine(opts: Partial<EngineOptions> = {}): Engine {
    const e = new Engine({
      registry: this.registry,
      candidateId: M1,
      clock: this.clock,
      logger: new RecordingLogger(),
      ...opts,
    });
    this.engines.push(e);
    e.start();
    return e;
  }

  /** unit -> machine IDs. */
  placement(): Promise<Record<string, string[]>> {
    return placement(this.registry);
  }

  /** Advances the clock until `probe` holds; returns the clock time it took. */
  until(probe: () => boolean | Promise<boolean>, opts?: AdvanceUntilOptions): Promise<number> {
    return advanceUntil(this.clock, probe, opts);
  }

  /** Runs the clock for `ms` in steps of `stepMs`, letting the engines work. */
  run(ms: number, stepMs = 100): Promise<void> {
    return advanceBy(this.clock, ms, stepMs);
  }

  /** Stops every engine (letting their stops finish on the clock) and closes the registry. */
  async close(): Promise<void> {
    for (const e of this.engines) {
      const stopped = e.stop();
      this.clock.advance(10_000);
      await stopped;
    }
    await this.registry.close();
  }
}
