// The bundled CLI (dist/fleetctl-cli.cjs) loaded with V8's code cache: node compiles its ~230 KB
// on every run, and then each function as it is first called. `npm run build` writes the cache
// beside the bundle (scripts/bundle.mjs) after a training run, `fleetctl list-units` against a
// stand-in API (trainCodeCache), so that the cache holds the functions a command runs too
// (list-units ~4 ms faster, against ~2 ms with the top level alone); the bundled program
// (bin.ts) loads the rest of fleetctl through requireWithCodeCache.
//
// The cache never changes what runs. Its first line records the size and mtime of the bundle
// it was made from; a cache made from another file is not used, and V8 itself refuses (and the
// file is compiled as without a cache) a cache from another node version or other V8 flags. A
// missing, stale or refused cache costs one small file read.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** Where the cache of `file` is kept. */
export const codeCachePath = (file: string): string => `${file}.cache`;

/** What became of the cache. */
export type CodeCacheUse = 'used' | 'missing' | 'stale' | 'refused';

/** CommonJS's wrapper, so that the file sees `exports`, `require`, `module` as under require(). */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/** The first line of a cache: the bundle it was made from (its size and mtime). */
export const codeCacheStamp = (file: string): string => {
  const st = statSync(file);
  return `fleetctl-code-cache ${st.size} ${st.mtimeMs}\n`;
};

const compile = (file: string, cachedData?: Buffer): Script =>
  new Script(wrap(readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });

const saveCache = (file: string, script: Script): void =>
  writeFileSync(
    codeCachePath(file),
    Buffer.concat([Buffer.from(codeCacheStamp(file)), script.createCachedData()]),
  );

/** Runs a compiled CommonJS file as require() would, registered in `require.cache`. */
function runModule(file: string, script: Script): unknown {
  const req = createRequire(file);
  const mod = new Module(file);
  mod.filename = file;
  req.cache[file] = mod;
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(mod.exports, mod.exports, req, mod, file, dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/** Compiles `file` (a CommonJS file) and writes its code cache (its top level only). */
export function writeCodeCache(file: string): void {
  saveCache(file, compile(file));
}

/**
 * The build's training run, in a process of its own: loads `file` (the bundled CLI), runs its
 * `runProcess()` on `argv`, and writes the code cache as the process exits, with every function
 * that run compiled.
 */
export function trainCodeCache(file: string, argv: readonly string[]): void {
  const script = compile(file);
  process.once('exit', () => saveCache(file, script));
  const exports = runModule(file, script) as { runProcess(): void };
  process.argv = [process.argv[0] ?? 'node', file, ...argv];
  exports.runProcess();
}

function readCache(file: string): Buffer | 'missing' | 'stale' {
  let data: Buffer;
  try {
    data = readFileSync(codeCachePath(file));
  } catch {
    return 'missing';
  }
  const expected = codeCacheStamp(file);
  const nl = data.indexOf(10);
  if (nl < 0 || data.subarray(0, nl + 1).toString('latin1') !== expected) return 'stale';
  return data.subarray(nl + 1);
}

/**
 * `require(file)` for a CommonJS file, compiled with its code cache when there is a valid one.
 * The module is registered in `require.cache` as require() would.
 * @returns its exports, and what became of the cache
 */
export function requireWithCodeCache(file: string): { exports: unknown; cache: CodeCacheUse } {
  const cached = readCache(file);
  const script = compile(file, typeof cached === 'string' ? undefined : cached);
  const cache: CodeCacheUse =
    typeof cached === 'string' ? cached : script.cachedDataRejected === true ? 'refused' : 'used';
  return { exports: runModule(file, script), cache };
}
