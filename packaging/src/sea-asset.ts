// The programs inside the executable that its main script does not hold: fleetd and the rest of
// fleetctl are bundled on their own and stored as assets of the single-executable application,
// each with V8's code cache made at build time. Only the program asked for is read and compiled,
// so `fleetctl version` (answered by the main script) compiles neither, and fleetctl never
// compiles fleetd. Each bundle requires node's built-in modules only (everything else is in it).
// The assets are read where the executable holds them (getRawAsset: no copy, so the 1.7 MB code
// cache and the source bytes are never copied into malloc'ed memory that would stay with the
// process); only the source string V8 compiles is made from them.
import { createRequire } from 'node:module';
import { getRawAsset } from 'node:sea';
import { Script } from 'node:vm';

/** The programs stored as assets. */
export const ASSETS = ['fleetd', 'fleetctl'] as const;
export type AssetName = (typeof ASSETS)[number];

/** The asset keys of a program's bundle and of its code cache. */
export const scriptKey = (name: AssetName) => `${name}.cjs`;
export const cacheKey = (name: AssetName) => `${name}.cjs.cache`;

/** What a bundle sees as its file (stack traces name it). */
export const assetFilename = (name: AssetName) => `/usr/bin/fleet/${name}.cjs`;

/**
 * CommonJS's wrapper, so that a bundle sees exports, require, module as under require(): node's
 * Module.wrap() to the character, since the code cache is made for the script as that wraps it
 * (packages/fleetd/scripts/bundle.mjs's writeCodeCache).
 */
export function wrapSource(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

/** Runs the bundle of `name` from the executable's assets; its module.exports. */
export function loadAsset(name: AssetName): unknown {
  const filename = assetFilename(name);
  const source = Buffer.from(getRawAsset(scriptKey(name))).toString('utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = Buffer.from(getRawAsset(cacheKey(name)));
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
