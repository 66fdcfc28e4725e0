// Bundles the compiled fleetctl (dist/, so run `npx tsc -b` first; `npm run build` does both)
// into two CommonJS files beside it in dist/ that bin/fleetctl runs:
// - fleetctl.cjs (dist/bin.js): answers `fleetctl version` without loading anything else;
// - fleetctl-cli.cjs (dist/cli/process.js): the rest, @fleet/client, @fleet/unit and
//   @fleet/runtime included, and yargs-parser (the copy yargs uses, for the fast path of
//   parsing: an ES module imported from node_modules would start node's ESM loader, ~18 ms).
//   yargs and ssh2 stay in node_modules (loaded by the commands that need them: help and
//   errors, --tunnel and ssh; ssh2 has optional native parts).
// One CommonJS file starts faster than the ES modules it is made of: node's ESM loader resolves,
// reads and links each module asynchronously. `bundle({ outdir })` is also what the
// loaded-modules test calls, to check what goes into a bundle.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

/** `import.meta.url` of the bundled modules: the bundle's own URL, computed when first used. */
const META =
  'var __fleetctlImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };';

/** dist/cli/flag-parser.js, in the bundle: the copy of yargs-parser that yargs uses, bundled. */
const yargsParserInside = {
  name: 'yargs-parser-inside',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]cli[\\/]flag-parser\.js$/ }, () => {
      const yargsPkg = createRequire(`${PACKAGE}package.json`).resolve('yargs/package.json');
      const parser = createRequire(yargsPkg).resolve('yargs-parser');
      return {
        contents:
          `import parser from ${JSON.stringify(parser)};\n` +
          'export async function importYargsParser() { return parser; }\n',
        resolveDir: dirname(parser),
        loader: 'js',
      };
    });
  },
};

/**
 * Writes fleetctl.cjs and fleetctl-cli.cjs to `outdir`.
 * @returns the source files each bundle holds (paths relative to the repository root)
 */
export async function bundle({ outdir = `${PACKAGE}dist` } = {}) {
  const common = {
    absWorkingDir: fileURLToPath(new URL('../../..', import.meta.url)),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['yargs', 'yargs/*', 'yargs-parser', 'ssh2'],
    define: { 'import.meta': '__fleetctlImportMeta' },
    banner: { js: META },
    metafile: true,
    logLevel: 'warning',
  };
  const cli = await build({
    ...common,
    entryPoints: [`${PACKAGE}dist/cli/process.js`],
    outfile: `${outdir}/fleetctl-cli.cjs`,
    plugins: [yargsParserInside],
  });
  const bin = await build({
    ...common,
    entryPoints: [`${PACKAGE}dist/bin.js`],
    outfile: `${outdir}/fleetctl.cjs`,
    // Its import() of the other bundle becomes require(): a CommonJS file imported through the
    // ESM loader is first scanned whole for its exports (~50 ms for this one).
    supported: { 'dynamic-import': false },
    plugins: [
      {
        name: 'rest-of-fleetctl',
        setup(b) {
          // bin.js's import('./cli/process.js') is the other bundle, next to this one.
          b.onResolve({ filter: /^\.\/cli\/process\.js$/ }, () => ({
            path: './fleetctl-cli.cjs',
            external: true,
          }));
        },
      },
    ],
  });
  return {
    bin: Object.keys(bin.metafile.inputs),
    cli: Object.keys(cli.metafile.inputs),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle();
}
