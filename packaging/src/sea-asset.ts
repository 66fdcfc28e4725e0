// The programs inside the executable that its main script does not hold: fleetd and the rest of
// fleetctl are bundled on their own, each with V8's code cache made at build time. Only the
// program asked for is read and compiled, so `fleetctl version` (answered by the main script)
// compiles neither, and fleetctl never compiles fleetd. Each bundle requires node's built-in
// modules only (everything else is in it).
// They are not assets of the single-executable application: those live in the SEA blob, which is
// mapped into the process with the executable, and the ~3 MB of fleetd's bundle and cache that
// were read from it stayed resident for fleetd's life. They follow the executable's ELF image
// instead (appendAssets: no loader maps what lies past it) and are read with read(2) from
// /proc/self/exe (this process's own file, even while a package upgrade replaces /usr/bin/fleet);
// the buffers are freed once V8 has compiled the script.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Script } from 'node:vm';

/** The programs stored as assets. */
export const ASSETS = ['fleetd', 'fleetctl'] as const;
export type AssetName = (typeof ASSETS)[number];

/** The last bytes of the executable: this, then the index's length (uint64, little-endian). */
export const ASSETS_MAGIC = 'FLEETAS1';
const FOOTER = 16;

/** Where each asset lies in the executable: key → [offset, length] in bytes. */
export type AssetIndex = Record<string, readonly [number, number]>;

/** The bytes to append to an executable of `size` bytes to carry `assets` (key → contents). */
export function assetTrailer(size: number, assets: ReadonlyMap<string, Buffer>): Buffer {
  const index: AssetIndex = {};
  let at = size;
  for (const [key, data] of assets) {
    index[key] = [at, data.length];
    at += data.length;
  }
  const json = Buffer.from(JSON.stringify(index));
  const footer = Buffer.alloc(FOOTER);
  footer.write(ASSETS_MAGIC, 0, 'latin1');
  footer.writeBigUInt64LE(BigInt(json.length), 8);
  return Buffer.concat([...assets.values(), json, footer]);
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new Error(`fleet: the executable ends inside its assets (${offset})`);
    got += n;
  }
  return buf;
}

/** The assets `keys` of the executable file `file` (the one running, by default). */
export function readAssets(keys: readonly string[], file = '/proc/self/exe'): Map<string, Buffer> {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const footer = size >= FOOTER ? readAt(fd, size - FOOTER, FOOTER) : Buffer.alloc(0);
    if (footer.toString('latin1', 0, ASSETS_MAGIC.length) !== ASSETS_MAGIC) {
      throw new Error(`fleet: ${file} carries no programs (built without them?)`);
    }
    const length = Number(footer.readBigUInt64LE(8));
    const index = JSON.parse(
      readAt(fd, size - FOOTER - length, length).toString('utf8'),
    ) as AssetIndex;
    const out = new Map<string, Buffer>();
    for (const key of keys) {
      const at = index[key];
      if (at !== undefined) out.set(key, readAt(fd, at[0], at[1]));
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

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
  const assets = readAssets([scriptKey(name), cacheKey(name)]);
  const bytes = assets.get(scriptKey(name));
  if (bytes === undefined) throw new Error(`fleet: the executable does not carry ${name}`);
  const source = bytes.toString('utf8');
  const cachedData = assets.get(cacheKey(name)); // none: compiled from source
  assets.clear();
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
