// fleetctl's version: the version of this package.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  // src/version.ts and dist/version.js both sit one level below the package root.
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    );
    const v = (pkg as { name?: unknown; version?: unknown }).version;
    if ((pkg as { name?: unknown }).name === '@fleet/fleetctl' && typeof v === 'string') return v;
  } catch {
    // fall through
  }
  return '0.0.0-unknown';
}

/** This fleetctl's version. */
export const VERSION: string = readVersion();

/** What `fleetctl version` prints. */
export function versionLine(): string {
  return `fleetctl version ${VERSION}`;
}
