// The programs inside the executable that its main script does not hold: fleetd and the rest of
// fleetctl are bundled on their own and stored as assets of the single-executable application,
// each with V8's code cache made at build time. Only the program asked for is read and compiled,
// so `fleetctl version` (answered by the main script) compiles neither, and fleetctl never
// compiles fleetd. Each bundle requires node's built-in modules only (everything else is in it).
import { createRequire } from 'node:module';
import { getAsset } from 'node:sea';
import { Script } from 'node:vm';

/** The programs stored as assets. */
export const ASSETS = ['fleetd', 'fleetctl'] as const;
export type AssetName = (typeof ASSETS)[number];

/** The asset keys of a program's bundle and of its code cache. */
export const scriptKey = (name: AssetName) => `${name}.cjs`;
export const cacheKey = (name: AssetName) => `${name}.cjs.cache`;

/** What a bundle sees as its file (stack traces name it). */
export const assetFilename = (name: AssetName) => `/usr/bin/fleet/${name}.cjs`;

/** CommonJS's wrapper, so that a bundle sees exports, require, module as under require(). */
export function wrapSource(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

/** Runs the bundle of `name` from the executable's assets; its module.exports. */
export function loadAsset(name: AssetName): unknown {
  const filename = assetFilename(name);
  const source = getAsset(scriptKey(name), 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = Buffer.from(getAsset(cacheKey(name)));
  } catch {
    cachedData = undefined; // built without one: compiled from source
  }
  const script = new Script(wrapSource(source), {
    filename,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const fn = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const mod = { exports: {} };
  fn.call(mod.exports, mod.exports, createRequire(filename), mod, filename, '/usr/bin/fleet');
  return mod.exports;
}
