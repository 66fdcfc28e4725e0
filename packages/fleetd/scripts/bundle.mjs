// Bundles the compiled fleetd (dist/, so run `npx tsc -b` first; `npm run build` does both) into
// one CommonJS file, dist/fleetd.cjs, that bin/fleetd runs. Loading one script costs less memory
// than the ~650 modules it is made of (node's ES module loader keeps a record, a module wrapper
// and the source of each, and resolves them one by one): see `npm run bench:memory`.
// - minified: V8 keeps the source of every loaded script in the heap for as long as it runs (to
//   compile functions lazily), so the bundle's size is held for fleetd's life;
// - etcd3 reads its gRPC definitions (`proto/*.proto`) from its own directory when it loads; here
//   they are parsed once, at build time, and the bundle carries them as JSON (no files to find
//   beside the bundle, and no parse at each start);
// - dbus-next's optional parts for X11 and abstract sockets (not installed) stay out.
// `bundleFleetd({ entry, outfile })` is also what the memory benchmark calls for the test fixture
// with systemd faked, and what a packager can call for the single executable.
import { readFile, writeFile } from 'node:fs/promises';
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

/** Options a packager may reuse (entryPoints and outfile are the caller's). */
export const FLEETD_BUNDLE_OPTIONS = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // Class and function names stay: error names and log fields carry them.
  keepNames: true,
  external: ['x11', 'usocket', 'abstract-socket'],
  define: { 'import.meta': '__fleetdImportMeta' },
  banner: { js: META },
  plugins: [etcd3Protos],
  metafile: true,
  logLevel: 'warning',
};

/**
 * Bundles `entry` (a compiled fleetd entry point) into `outfile`.
 * @returns the source files the bundle holds (paths relative to the repository root)
 */
export async function bundleFleetd({
  entry = `${PACKAGE}dist/main.js`,
  outfile = `${PACKAGE}dist/fleetd.cjs`,
} = {}) {
  const result = await build({
    ...FLEETD_BUNDLE_OPTIONS,
    entryPoints: [entry],
    outfile,
    write: false,
  });
  for (const file of result.outputFiles) {
    // esbuild leaves non-ASCII characters in regular expressions (a `µs` unit): one such
    // character makes V8 hold the whole script as a two-byte string, twice the bundle's size.
    const text = file.text.replace(
      /[^\0-\x7f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    await writeFile(file.path, text, { mode: 0o644 });
  }
  return Object.keys(result.metafile.inputs);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleFleetd();
}
