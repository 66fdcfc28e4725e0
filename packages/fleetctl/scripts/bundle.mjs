// Bundles the compiled fleetctl (dist/, so run `npx tsc -b` first; `npm run build` does both)
// into two CommonJS files beside it in dist/ that bin/fleetctl runs:
// - fleetctl.cjs (dist/bin.js): answers `fleetctl version` without loading anything else;
// - fleetctl-cli.cjs (dist/cli/process.js): the rest, @fleet/client, @fleet/unit and
//   @fleet/runtime included, and yargs-parser (the copy yargs uses, for the fast path of
//   parsing: an ES module imported from node_modules would start node's ESM loader, ~18 ms).
//   yargs and ssh2 stay in node_modules (loaded by the commands that need them: help and
//   errors, --tunnel and ssh; ssh2 has optional native parts).
// One CommonJS file starts faster than the ES modules it is made of: node's ESM loader resolves,
// reads and links each module asynchronously. fleetctl-cli.cjs.cache, V8's code cache of
// fleetctl-cli.cjs, spares compiling it (src/cli/code-cache.ts). `bundle({ outdir })` is also what the
// loaded-modules test calls, to check what goes into a bundle.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const CODE_CACHE_JS = `${PACKAGE}dist/cli/code-cache.js`;

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

const MACHINE = 'c0de0000c0de0000c0de0000c0de0000';
/** What the stand-in API answers the training run (fleet's wire format, one page each). */
const ANSWERS = {
  '/fleet/v1/machines': { machines: [{ id: MACHINE, primaryIP: '127.0.0.1', metadata: {} }] },
  '/fleet/v1/state': {
    states: [
      {
        name: 'code-cache.service',
        hash: 'c0de'.repeat(10),
        machineID: MACHINE,
        systemdLoadState: 'loaded',
        systemdActiveState: 'active',
        systemdSubState: 'running',
      },
    ],
  },
  // list-units reads the units too, for those no machine has (here: none).
  '/fleet/v1/units': {
    units: [
      {
        name: 'code-cache.service',
        options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
        desiredState: 'launched',
        currentState: 'launched',
        machineID: MACHINE,
      },
    ],
  },
};

/**
 * Writes `file`'s code cache (src/cli/code-cache.ts) after a training run in a child process:
 * `fleetctl list-units` against a stand-in API on a temporary unix socket. If the run fails,
 * the cache holds the top level only (one line on stderr says so).
 */
async function trainCodeCache(file) {
  const dir = await mkdtemp(join(tmpdir(), 'fleetctl-code-cache-'));
  const socket = join(dir, 'api.sock');
  const server = createServer((req, res) => {
    const body = ANSWERS[(req.url ?? '').split('?')[0]];
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: { code: 404, message: 'not found' } }));
  });
  try {
    await new Promise((resolve, reject) => server.listen(socket, resolve).once('error', reject));
    const argv = ['--endpoint', `unix://${socket}`, 'list-units'];
    const train =
      `import(${JSON.stringify(CODE_CACHE_JS)})` +
      `.then((m) => m.trainCodeCache(${JSON.stringify(file)}, ${JSON.stringify(argv)}))`;
    const child = spawn(process.execPath, ['-e', train], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.once('close', resolve));
    if (code !== 0) {
      const { writeCodeCache } = await import(CODE_CACHE_JS);
      writeCodeCache(file);
      console.error(`bundle: code cache without training (the run exited ${code}): ${err.trim()}`);
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes fleetctl.cjs and fleetctl-cli.cjs (and the latter's code cache) to `outdir`.
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
          // bin.js's import('./cli/process.js') is the other bundle, next to this one, loaded
          // with its code cache (src/cli/code-cache.ts).
          b.onResolve({ filter: /^\.\/cli\/process\.js$/ }, () => ({
            path: 'fleetctl-cli.cjs',
            namespace: 'rest-of-fleetctl',
          }));
          b.onLoad({ filter: /.*/, namespace: 'rest-of-fleetctl' }, () => ({
            contents:
              `const { requireWithCodeCache } = require(${JSON.stringify(CODE_CACHE_JS)});\n` +
              'module.exports = requireWithCodeCache(' +
              'require("node:path").join(__dirname, "fleetctl-cli.cjs")).exports;\n',
            resolveDir: PACKAGE,
            loader: 'js',
          }));
        },
      },
    ],
  });
  await trainCodeCache(`${outdir}/fleetctl-cli.cjs`);
  return {
    bin: Object.keys(bin.metafile.inputs),
    cli: Object.keys(cli.metafile.inputs),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle();
}
