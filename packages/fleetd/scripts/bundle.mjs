// Bundles the compiled fleetd (dist/, so run `npx tsc -b` first; `npm run build` does both) into
// one CommonJS file that bin/fleetd runs (through dist/fleetd.cjs). One script costs less memory
// than the ~650 modules it is made of (node's ES module loader keeps a record, a module wrapper
// and the source of each, and resolves them one by one): see `npm run bench:memory`.
// - minified: V8 keeps the source of every loaded script in the heap for as long as it runs (to
//   compile functions lazily), so the bundle's size is held for fleetd's life;
// - etcd3 reads its gRPC definitions (`proto/*.proto`) from its own directory when it loads; here
//   they are parsed once, at build time, and the bundle carries them as JSON (no files to find
//   beside the bundle, and no parse at each start);
// - dbus-next's optional parts for X11 and abstract sockets (not installed) stay out, and so do
//   zod's translations of its messages (zodLocales).
// - dist/fleetd.cjs, the file to run, is a loader: it compiles the bundle (dist/fleetd-bundle.cjs)
//   with V8's code cache of it (dist/fleetd-bundle.cjs.cache), made here by this node under
//   bin/fleetd's node flags.
// `bundleFleetd({ entry, outdir, name })` is also what the memory benchmark and a test call for the
// test fixture with systemd faked. The single executable (packaging/src/bundle.ts, sea-build.ts)
// makes its fleetd the same way: writeFleetdScript (these options), writeCodeCache (these flags).
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** `import.meta.url` of the bundled modules: the bundle's own URL. */
const META =
  'var __fleetdImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };';

/** etcd3's `loadSync(<its proto file>, options)` is replaced by `fromJSON(<the parsed file>, options)`. */
const LOAD_SYNC = /\(0, proto_loader_1\.loadSync\)\(`\$\{__dirname\}\/\.\.\/proto\/rpc\.proto`, \{/;

const etcd3Protos = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!LOAD_SYNC.test(source))
        throw new Error(
          `${args.path}: etcd3 no longer loads proto/rpc.proto as this bundle expects`,
        );
      // The parse etcd3 does, with its options (keepCase changes the names), by proto-loader's own
      // code: the JSON below is the same protobufjs Root, resolved again by fromJSON.
      const etcd3 = createRequire(args.path);
      const loaderDir = dirname(etcd3.resolve('@grpc/proto-loader/package.json'));
      const { loadProtosWithOptionsSync } = etcd3(join(loaderDir, 'build/src/util.js'));
      const root = loadProtosWithOptionsSync(join(dirname(args.path), '../proto/rpc.proto'), {
        keepCase: true,
      });
      const json = JSON.stringify(root.toJSON());
      return {
        contents: source.replace(LOAD_SYNC, `(0, proto_loader_1.fromJSON)(${json}, {`),
        loader: 'js',
      };
    });
  },
};

/**
 * zod's translations of its messages (45 languages, 260 KB of the bundle, which V8 would hold for
 * fleetd's life) stay out: fleet never switches zod's language (`z.config(z.locales.xx())`), and
 * English, the default, is imported by zod on its own. `z.locales` is an empty namespace.
 */
const zodLocales = {
  name: 'zod-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'fleetd-empty' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'fleetd-empty' }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};

/** Options a packager may reuse (entryPoints and outfile are the caller's): see writeFleetdScript. */
export const FLEETD_BUNDLE_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // Class names stay: error names and log fields carry them (see classNamesOnly).
  keepNames: true,
  external: ['x11', 'usocket', 'abstract-socket'],
  define: { 'import.meta': '__fleetdImportMeta' },
  banner: { js: META },
  plugins: [etcd3Protos, zodLocales],
  // import() would need the ES module loader in the vm.Script that runs the bundle.
  supported: { 'dynamic-import': false },
  metafile: true,
  logLevel: 'warning',
};

/**
 * dist/fleetd.cjs: loads the bundle beside it with V8's code cache of it (`<bundle>.cache`). Without
 * the cache V8 parses the whole 1.6 MB script at once, and the parser's memory stays with the
 * process (malloc keeps it: about 10 MB of fleetd's RSS). A cache V8 rejects (another node, other
 * flags) only costs that memory: the script is compiled as usual.
 */
const LOADER = `'use strict';
// fleetd: loads the bundle beside this file with its V8 code cache (packages/fleetd/scripts/bundle.mjs).
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');
const file = join(__dirname, BUNDLE);
let cachedData;
try {
  cachedData = readFileSync(file + '.cache');
} catch {
  // no cache: compiled as usual
}
const script = new Script(Module.wrap(readFileSync(file, 'latin1')), { filename: file, cachedData });
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(__dirname);
m.loaded = true;
script.runInThisContext()(m.exports, Module.createRequire(file), m, file, __dirname);
`;

/**
 * What the code cache is made from, in a child node under fleetd's node flags: the bundle run as
 * the loader runs it, as `fleetd --version`, so that the cache holds every module's start-up code.
 */
const TRAIN = `const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const file = process.argv[1];
const script = new Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
process.once('exit', () => writeFileSync(file + '.cache', script.createCachedData()));
process.argv = [process.argv[0], file, '--version'];
const m = new Module(file, module);
m.filename = file;
script.runInThisContext()(m.exports, Module.createRequire(file), m, file, dirname(file));
`;

/** The node flags bin/fleetd gives node (its `flags='…'` line). */
export async function fleetdNodeFlags() {
  const m = /^flags='([^']*)'$/m.exec(await readFile(join(ROOT, 'bin/fleetd'), 'utf8'));
  if (m === null) throw new Error("bin/fleetd has no flags='…' line");
  return m[1].split(/\s+/).filter((f) => f !== '');
}

/** esbuild's keepNames helper, minified: `var N=(t,e)=>D(t,"name",{value:e,configurable:!0});`. */
const NAME_HELPER =
  /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>([\w$]+)\(\2,"name",\{value:\3,configurable:!0\}\);/g;

/**
 * keepNames gives every renamed function its name back (an own `name` property: ~2,300 calls, and
 * each function so named carries a property array in V8's heap, about 0.8 MB for fleetd). Only
 * names that do not start with a lower-case letter are given back: classes and constructors (error
 * types: `this.name = new.target.name`, log fields), zod's `$Zod…`; other functions keep their
 * minified names (stack frames of a minified bundle point at line 1 anyway).
 */
export function classNamesOnly(text) {
  const found = text.match(NAME_HELPER) ?? [];
  if (found.length !== 1)
    throw new Error(
      `fleetd bundle: esbuild's keepNames helper found ${found.length} times, not once`,
    );
  return text.replace(
    NAME_HELPER,
    (_, name, fn, value, def) =>
      `var ${name}=(${fn},${value})=>/^[a-z]/.test(${value})?${fn}:${def}(${fn},"name",{value:${value},configurable:!0});`,
  );
}

/**
 * Bundles `entry` into the one script `outfile` with FLEETD_BUNDLE_OPTIONS (and `options`, e.g.
 * the single executable's `conditions`), ASCII only.
 * @returns the source files the bundle holds (paths relative to the repository root)
 */
export async function writeFleetdScript({ entry, outfile, options = {} }) {
  await mkdir(dirname(outfile), { recursive: true });
  const result = await build({
    ...FLEETD_BUNDLE_OPTIONS,
    ...options,
    entryPoints: [entry],
    outfile,
    write: false,
  });
  for (const file of result.outputFiles) {
    // esbuild leaves non-ASCII characters in regular expressions (a `µs` unit): one such
    // character makes V8 hold the whole script as a two-byte string, twice the bundle's size.
    // main.ts's `#!` line is no JavaScript inside the loader's function wrapper.
    const text = file.text
      .replace(/^#!/, '//')
      .replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const minified = options.minify ?? FLEETD_BUNDLE_OPTIONS.minify;
    const keepNames = options.keepNames ?? FLEETD_BUNDLE_OPTIONS.keepNames;
    await writeFile(file.path, minified && keepNames ? classNamesOnly(text) : text, {
      mode: 0o644,
    });
  }
  return Object.keys(result.metafile.inputs);
}

/**
 * Writes `<script>.cache`, V8's code cache of `script` as node's Module.wrap() wraps it, made by
 * `node` under `flags` (V8 takes a cache only from its own version and flags) after running it as
 * `<program> --version` (read as UTF-8, as the single executable reads its assets).
 */
export async function writeCodeCache({ script, node = process.execPath, flags }) {
  await rm(`${script}.cache`, { force: true });
  const run = spawnSync(node, [...flags, '-e', TRAIN, script], { encoding: 'utf8' });
  // Node 20's V8 says that --lite-mode turns WebAssembly off (bin/fleetd tells it so).
  const said = (run.stderr ?? '').replace(/^Warning: disabling flag --expose_wasm .*\n/m, '');
  if (run.status !== 0 || said !== '')
    throw new Error(`the code cache of ${script} was not made: ${said || String(run.error)}`);
}

/**
 * Bundles `entry` (a compiled fleetd entry point) into `<outdir>/<name>-bundle.cjs`, writes its
 * code cache (unless `codeCache` is false; made by `node`, this one by default, under `flags`,
 * bin/fleetd's by default) and the loader `<outdir>/<name>.cjs` that runs them.
 * @returns the source files the bundle holds (paths relative to the repository root)
 */
export async function bundleFleetd({
  entry = `${PACKAGE}dist/main.js`,
  outdir = `${PACKAGE}dist`,
  name = 'fleetd',
  flags = undefined,
  node = process.execPath,
  codeCache = true,
} = {}) {
  const bundle = join(outdir, `${name}-bundle.cjs`);
  const inputs = await writeFleetdScript({ entry, outfile: bundle });
  await rm(`${bundle}.cache`, { force: true });
  if (codeCache) {
    await writeCodeCache({ script: bundle, node, flags: flags ?? (await fleetdNodeFlags()) });
  }
  const loader = join(outdir, `${name}.cjs`);
  await writeFile(loader, LOADER.replace('BUNDLE', JSON.stringify(`${name}-bundle.cjs`)), {
    mode: 0o644,
  });
  return inputs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleFleetd();
}
