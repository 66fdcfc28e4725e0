/** esbuild's options for a fleetd bundle, without entryPoints and outfile. */
export const FLEETD_BUNDLE_OPTIONS: Readonly<Record<string, unknown>>;

/** The node flags bin/fleetd gives node (its `flags='…'` line). */
export function fleetdNodeFlags(): Promise<string[]>;

/**
 * Bundles `entry` (default dist/main.js) into `<outdir>/<name>-bundle.cjs` (default
 * dist/fleetd-bundle.cjs), its V8 code cache (made by `node` under `flags`; default: this node,
 * bin/fleetd's flags) and the loader `<outdir>/<name>.cjs` that runs it.
 * @returns the source files the bundle holds (paths relative to the repository root)
 */
export function bundleFleetd(opts?: {
  readonly entry?: string;
  readonly outdir?: string;
  readonly name?: string;
  readonly flags?: readonly string[];
  readonly node?: string;
  readonly codeCache?: boolean;
}): Promise<string[]>;

/**
 * Bundles `entry` into the one script `outfile` with FLEETD_BUNDLE_OPTIONS (and `options`),
 * ASCII only. @returns the source files the bundle holds
 */
export function writeFleetdScript(opts: {
  readonly entry: string;
  readonly outfile: string;
  readonly options?: Readonly<Record<string, unknown>>;
}): Promise<string[]>;

/**
 * Writes `<script>.cache`: V8's code cache of `script` as Module.wrap() wraps it, made by `node`
 * under `flags` after running it as `<program> --version`.
 */
export function writeCodeCache(opts: {
  readonly script: string;
  readonly node?: string;
  readonly flags: readonly string[];
}): Promise<void>;

/**
 * `text` (a minified bundle made with keepNames) with esbuild's name helper giving names back only
 * to functions whose name does not start with a lower-case letter; throws unless the helper is
 * found exactly once.
 */
export function classNamesOnly(text: string): string;
