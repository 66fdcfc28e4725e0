/** esbuild's options for a fleetd bundle, without entryPoints and outfile. */
export const FLEETD_BUNDLE_OPTIONS: Readonly<Record<string, unknown>>;

/**
 * Bundles `entry` (default dist/main.js) into `outfile` (default dist/fleetd.cjs).
 * @returns the source files the bundle holds (paths relative to the repository root)
 */
export function bundleFleetd(opts?: {
  readonly entry?: string;
  readonly outfile?: string;
}): Promise<string[]>;
