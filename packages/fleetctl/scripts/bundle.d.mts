/** The source files each bundle holds (paths relative to the repository root). */
export interface BundleInputs {
  readonly bin: readonly string[];
  readonly cli: readonly string[];
}

/** Writes fleetctl.cjs and fleetctl-cli.cjs to `outdir` (default: dist/). */
export function bundle(opts?: { readonly outdir?: string }): Promise<BundleInputs>;
