// What the contract suite needs from an implementation under test, and small helpers.
import { waitFor } from '@fleet/testkit';
import type { UnitOption } from '@fleet/unit';
import { expect } from 'vitest';
import type { RegistryErrorCode } from '../../errors.js';
import type { Registry } from '../../registry.js';
import type { MachineRecord, RegistryIssue, UnitInput } from '../../types.js';

/** One fresh, empty registry (and a way to poke at its store) per test. */
export interface ContractHarness {
  readonly registry: Registry;
  /** Everything the registry reported (corrupt records, watch restarts, listener errors). */
  readonly issues: RegistryIssue[];
  /** Lets lease time pass: advances a manual clock; a no-op where time is real. */
  passTime(ms: number): void;
  /** How long `eventually` waits before failing (ms). */
  readonly patienceMs: number;
  /** Writes a raw value at a key relative to the registry's prefix. */
  putRaw(relativeKey: string, value: string): Promise<void>;
  /** Keys (relative to the prefix) that start with `relativePrefix`, in order. */
  rawKeys(relativePrefix: string): Promise<string[]>;
  /** Compacts the store's history up to its current revision. */
  compact(): Promise<void>;
  /** Closes the registry (idempotent) and releases the store. */
  close(): Promise<void>;
}

/** Creates a harness. */
export type HarnessFactory = () => Promise<ContractHarness>;

/** Polls `probe` until it returns something other than undefined/false, within the patience. */
export function eventually<T>(
  h: ContractHarness,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
): Promise<T> {
  return waitFor(probe, { timeoutMs: h.patienceMs, intervalMs: 5, what });
}

/** Asserts that `p` rejects with a RegistryError of `code`, and returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: RegistryErrorCode): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(Error);
  expect((err as { code?: unknown }).code).toBe(code);
  return err as Error;
}

/** A small service unit whose contents depend on `seed`. */
export function options(seed: string): UnitOption[] {
  return [
    { section: 'Unit', name: 'Description', value: `unit ${seed}` },
    { section: 'Service', name: 'ExecStart', value: `/bin/sleep ${seed.length + 1000}` },
    { section: 'X-Fleet', name: 'MachineMetadata', value: `seed=${seed}` },
  ];
}

/** A unit input. */
export function unit(
  name: string,
  seed = name,
  desiredState: UnitInput['desiredState'] = 'inactive',
): UnitInput {
  return { name, options: options(seed), desiredState };
}

/** A machine record. */
export function machine(id: string, extra: Partial<MachineRecord> = {}): MachineRecord {
  return {
    id,
    publicIP: '127.0.0.1',
    metadata: { region: 'us-east' },
    health: { load: [0.1, 0.2, 0.3], memory: { freeBytes: 1024 }, systemd: 'running' },
    version: '0.1.0',
    capabilities: [],
    ...extra,
  };
}

/** Collects watch events into an array. */
export function collector<E>(): { events: E[]; push: (e: E) => void } {
  const events: E[] = [];
  return { events, push: (e: E) => events.push(e) };
}
