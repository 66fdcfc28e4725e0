// Helpers for the engine's tests: drive a ManualClock while letting promises settle.
import type { MachineRecord, Registry, UnitInput } from '@fleet/registry';
import type { ManualClock } from '@fleet/runtime';
import type { UnitOption } from '@fleet/unit';

/** Lets pending promise callbacks and I/O callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Advances the clock in `stepMs` steps until `cond()` holds; returns the clock time it took.
 * Throws after `maxMs` of clock time.
 */
export async function advanceUntil(
  clock: ManualClock,
  cond: () => boolean | Promise<boolean>,
  { stepMs = 5, maxMs = 60_000, what = 'a condition' } = {},
): Promise<number> {
  const start = clock.monotonic();
  await flush();
  while (!(await cond())) {
    if (clock.monotonic() - start > maxMs)
      throw new Error(`${what} did not happen within ${maxMs} ms of clock time`);
    clock.advance(stepMs);
    await flush();
  }
  return clock.monotonic() - start;
}

export function unitInput(
  name: string,
  xfleet: string[] = [],
  desiredState: UnitInput['desiredState'] = 'launched',
): UnitInput {
  const options: UnitOption[] = [
    { section: 'Service', name: 'ExecStart', value: `/bin/sleep 1000 # ${name}` },
  ];
  for (const l of xfleet) {
    const i = l.indexOf('=');
    options.push({ section: 'X-Fleet', name: l.slice(0, i), value: l.slice(i + 1) });
  }
  return { name, options, desiredState };
}

export function machineRecord(id: string, metadata: Record<string, string> = {}): MachineRecord {
  return { id, publicIP: '127.0.0.1', metadata, health: {}, version: 'test', capabilities: [] };
}

/** unit -> machine IDs, from the registry. */
export async function placement(registry: Registry): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const a of (await registry.listAssignments()).items) (out[a.unit] ??= []).push(a.machineId);
  return out;
}
