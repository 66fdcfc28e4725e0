// The shape of one fuzz case: the machines, a pool of unit names, and batches of requests that
// refer to units and machines by index (so that a shrunk case stays readable).
import type { FuzzMachineSpec } from './cluster.js';
import type { KnownBug } from './known-bugs.js';

/** An option whose value may name pool units (`{{unit:i}}`) or machines (`{{machine:i}}`). */
export interface OptionSpec {
  readonly section: string;
  readonly name: string;
  readonly value: string;
}

/** One API request, with units named by their index in the case's name pool. */
export type Op =
  | {
      readonly kind: 'put';
      readonly unit: number;
      /** `undefined`: no `options` field. */
      readonly options: readonly OptionSpec[] | undefined;
      /** `undefined`: no `desiredState` field. */
      readonly desiredState: unknown;
      /** Extra top-level fields (`name`, fields of a unit read back, ...). */
      readonly extra: Readonly<Record<string, unknown>>;
      /** `null`: no Content-Type header. */
      readonly contentType: string | null;
    }
  | {
      readonly kind: 'raw-put';
      readonly unit: number;
      readonly body: string;
      readonly contentType: string | null;
    }
  | { readonly kind: 'delete'; readonly unit: number }
  /** Any method on a path as sent (unknown resources, bad percent-encoding, bad page tokens). */
  | { readonly kind: 'url'; readonly method: string; readonly path: string }
  | { readonly kind: 'patch'; readonly body: unknown; readonly contentType: string | null };

/** One fuzz case. */
export interface CaseSpec {
  readonly machines: readonly FuzzMachineSpec[];
  /** Unit names requests refer to (by index, modulo the pool size). */
  readonly names: readonly string[];
  /** Requests sent together; the cluster converges after each batch. */
  readonly batches: readonly (readonly Op[])[];
}

/** How big the generated input may get. */
export interface GeneratorOptions {
  /** Bugs whose edges are left out. */
  readonly skip: ReadonlySet<KnownBug>;
  /** Longest generated glob (`Conflicts=`, `Replaces=`), in characters. */
  readonly maxGlobLength: number;
  /** Most `Conflicts=`/`Replaces=`/`MachineOf=` options in one unit. */
  readonly maxGlobs: number;
}

/** Sizes for CI: every edge, small enough for a few hundred cases in well under a minute. */
export const CI_SIZES: Omit<GeneratorOptions, 'skip'> = { maxGlobLength: 64, maxGlobs: 12 };

export const MACHINE_IDS = [
  'a1000000000000000000000000000001',
  'b2000000000000000000000000000002',
  'c3000000000000000000000000000003',
  'd4000000000000000000000000000004',
];

/** A machine ID no machine has (for `MachineID=` and metadata of unknown machines). */
export const UNKNOWN_MACHINE_ID = 'ffffffffffffffffffffffffffffffff';
