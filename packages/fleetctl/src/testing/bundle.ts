// The bundled program (scripts/bundle.mjs) for tests: built from dist/ into a temp directory
// beside dist/, so that it finds package.json and node_modules as dist/fleetctl.cjs does.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, type BundleInputs } from '../../scripts/bundle.mjs';

/** packages/fleetctl/ */
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** The compiled program, `node dist/main.js`. */
export const COMPILED_MAIN = join(PACKAGE_DIR, 'dist', 'main.js');

/** A bundle built for one test file. */
export interface TestBundle {
  /** The program (`node <main>`). */
  readonly main: string;
  readonly inputs: BundleInputs;
  remove(): Promise<void>;
}

/** Checks that dist/ is built (these tests run what users run; they build nothing with tsc). */
export function requireCompiled(): void {
  if (!existsSync(COMPILED_MAIN)) {
    throw new Error(`${COMPILED_MAIN} is missing: build first (npx tsc -b packages/fleetctl)`);
  }
}

/** Bundles dist/ into `packages/fleetctl/.test-bundle-*`. */
export async function buildTestBundle(): Promise<TestBundle> {
  requireCompiled();
  const dir = await mkdtemp(join(PACKAGE_DIR, '.test-bundle-'));
  try {
    const inputs = await bundle({ outdir: dir });
    return {
      main: join(dir, 'fleetctl.cjs'),
      inputs,
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
