// The one CommonJS file that the `fleet` executable runs (a Node single-executable application
// runs one CommonJS script and can require() nothing but node's built-in modules): fleetd and
// fleetctl from their TypeScript sources (the `source` condition), every dependency bundled in.
// fleetd is bundled as bin/fleetd's is (packages/fleetd/scripts/bundle.mjs: the same esbuild
// options, etcd3's gRPC definitions parsed at build time, minified, ASCII only), from its sources.
// What fleetctl would read from node_modules at run time is put into the bundle here:
// - fleetctl reads its version from its package.json, requires yargs' CommonJS build and imports
//   the copy of yargs-parser that yargs uses through createRequire: each becomes a plain import;
// - ssh2's optional native parts (cpu-features, its crypto binding) and dbus-next's optional
//   usocket and x11 stay out: they are required inside try/catch and are missing, so the pure
//   JavaScript paths are taken, as in a checkout where they were never built.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { writeFleetdScript } from '../../packages/fleetd/scripts/bundle.mjs';

/**
 * The executable's main script: which program by its name, then that program. It holds fleetctl's
 * quick answer to `version` (bin.ts); the rest of fleetctl and fleetd are assets (sea-asset.ts).
 */
export const MAIN_ENTRY = `import { dispatch } from './packaging/src/dispatch.ts';
import { loadAsset } from './packaging/src/sea-asset.ts';
const d = dispatch(process.argv0, process.argv.slice(2));
if (d.kind === 'run') {
  // Each program reads its arguments from process.argv[2...], its name in argv[1].
  process.argv.splice(1, process.argv.length - 1, d.program, ...d.args);
  if (d.program === 'fleetd') {
    process.title = 'fleetd';
    loadAsset('fleetd');
  } else {
    void import('./packages/fleetctl/src/bin.ts');
  }
} else {
  (d.kind === 'help' ? process.stdout : process.stderr).write(d.message);
  process.exitCode = d.kind === 'help' ? 0 : 2;
}
`;

/** fleetd's entry (a test may give another, such as its fixture with systemd faked). */
export const FLEETD_ENTRY = 'packages/fleetd/src/main.ts';

/** The programs stored as assets: their entries (fleetd's is FLEETD_ENTRY or the caller's). */
export const ASSET_ENTRIES = {
  fleetctl: "export { runProcess } from './packages/fleetctl/src/cli/process.ts';\n",
} as const;

/** esbuild options for fleetd's asset beside bin/fleetd's FLEETD_BUNDLE_OPTIONS. */
export const fleetdAssetOptions = (root: string) => ({
  absWorkingDir: root,
  conditions: ['source'],
  target: 'node24',
  legalComments: 'none',
});

/** Modules required inside try/catch that a checkout does not have either. */
export const ABSENT_OPTIONAL = ['cpu-features', 'usocket', 'x11', '*.node'];

/** One source replacement; the build fails if `from` is not found exactly once. */
export interface Rewrite {
  readonly file: RegExp;
  readonly from: string;
  readonly to: (root: string) => string;
}

/** ssh2's cipher preferring chacha20-poly1305, whose MAC (poly1305) is WebAssembly. */
const CHACHA = "'chacha20-poly1305@openssh.com'";

export const REWRITES: readonly Rewrite[] = [
  // The executable runs under bin/fleetd's node flags (sea-build.ts), and --lite-mode leaves
  // WebAssembly out. ssh2 compiles its poly1305 from WebAssembly when it is first required, and
  // without WebAssembly that throws where nothing catches it: fleetctl's --tunnel, ssh, status and
  // journal died. Here ssh2 skips it when there is no WebAssembly, and then does not offer
  // chacha20-poly1305 (the only cipher needing it; AES-GCM comes first in its list anyway).
  {
    file: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]crypto\.js$/,
    from: "POLY1305_WASM_MODULE = await require('./crypto/poly1305.js')();",
    to: () =>
      "if (typeof WebAssembly === 'undefined') return resolve();\n" +
      // (the require in parentheses: the same call for esbuild, and no longer the text replaced)
      "        POLY1305_WASM_MODULE = await (require('./crypto/poly1305.js'))();",
  },
  {
    file: /[\\/]ssh2[\\/]lib[\\/]protocol[\\/]constants\.js$/,
    from: 'DEFAULT_CIPHER = DEFAULT_CIPHER.filter(canUseCipher);',
    to: () =>
      'DEFAULT_CIPHER = DEFAULT_CIPHER.filter((c) => canUseCipher(c) && ' +
      `(typeof WebAssembly !== 'undefined' || c !== ${CHACHA}));`,
  },
  {
    file: /[\\/]packages[\\/]fleetctl[\\/]src[\\/]version\.ts$/,
    from: "readFileSync(new URL('../package.json', import.meta.url), 'utf8')",
    to: (root) =>
      JSON.stringify(
        JSON.stringify(
          JSON.parse(readFileSync(join(root, 'packages/fleetctl/package.json'), 'utf8')) as object,
        ),
      ),
  },
  {
    file: /[\\/]packages[\\/]fleetctl[\\/]src[\\/]cli[\\/]parser\.ts$/,
    from: "createRequire(import.meta.url)('yargs/yargs')",
    // yargs 18 is an ES module whose `module.exports` export is what node's require() returns;
    // the bundle's require() of it gives the namespace, whose default export is the same factory.
    to: () => "require('yargs/yargs').default",
  },
  {
    file: /[\\/]packages[\\/]fleetctl[\\/]src[\\/]cli[\\/]flag-parser\.ts$/,
    from: [
      "const yargsPkg = createRequire(import.meta.url).resolve('yargs/package.json');",
      "    const path = createRequire(yargsPkg).resolve('yargs-parser');",
      '    return ((await import(pathToFileURL(path).href)) as { default: unknown }).default;',
    ].join('\n'),
    to: (root) => {
      const yargsPkg = createRequire(join(root, 'packages/fleetctl/package.json')).resolve(
        'yargs/package.json',
      );
      const parser = createRequire(yargsPkg).resolve('yargs-parser');
      return `return (await import(${JSON.stringify(parser)})).default as unknown;`;
    },
  },
];

/** `text` with `rewrite` applied; throws unless its `from` occurs exactly once. */
export function applyRewrite(text: string, rewrite: Rewrite, root: string, file: string): string {
  const at = text.indexOf(rewrite.from);
  if (at === -1 || text.indexOf(rewrite.from, at + 1) !== -1) {
    throw new Error(
      `package: ${file}: expected ${JSON.stringify(rewrite.from)} exactly once (the bundle's ` +
        'rewrite of it must follow the change)',
    );
  }
  return text.slice(0, at) + rewrite.to(root) + text.slice(at + rewrite.from.length);
}

/** bin.ts's import('./cli/process.js'), in the main script: the fleetctl asset. */
function fleetctlAssetPlugin(root: string): Plugin {
  return {
    name: 'fleetctl-asset',
    setup(b) {
      b.onResolve({ filter: /^\.\/cli\/process\.js$/ }, (args) =>
        /[\\/]fleetctl[\\/]src[\\/]bin\.ts$/.test(args.importer)
          ? { path: 'fleetctl', namespace: 'fleet-asset' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'fleet-asset' }, () => ({
        contents:
          `const { loadAsset } = require(${JSON.stringify(join(root, 'packaging/src/sea-asset.ts'))});\n` +
          "module.exports = loadAsset('fleetctl');\n",
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

function rewritePlugin(root: string, seen: Set<Rewrite>): Plugin {
  return {
    name: 'fleet-rewrites',
    setup(b) {
      for (const rw of REWRITES) {
        b.onLoad({ filter: rw.file }, (args) => {
          seen.add(rw);
          const text = applyRewrite(readFileSync(args.path, 'utf8'), rw, root, args.path);
          return { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
        });
      }
    },
  };
}

/** The bundles of the executable, written to a directory. */
export interface Bundles {
  readonly main: string;
  readonly assets: Readonly<Record<'fleetd' | keyof typeof ASSET_ENTRIES, string>>;
}

/** Writes main.cjs, fleetd.cjs and fleetctl.cjs to `outdir`; fleetd from `fleetdEntry`. */
export async function bundleFleet(
  root: string,
  outdir: string,
  fleetdEntry: string = FLEETD_ENTRY,
): Promise<Bundles> {
  const seen = new Set<Rewrite>();
  const one = async (name: string, contents: string, plugins: Plugin[] = []) => {
    const outfile = join(outdir, `${name}.cjs`);
    await build({
      absWorkingDir: root,
      stdin: { contents, resolveDir: root, sourcefile: `fleet-${name}.ts`, loader: 'ts' },
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      conditions: ['source'],
      external: ABSENT_OPTIONAL,
      // An asset of a single-executable application has no file: import.meta.url is the executable.
      define: { 'import.meta.url': '__fleetImportMetaUrl' },
      banner: {
        js: 'var __fleetImportMetaUrl = require("node:url").pathToFileURL(process.execPath).href;',
      },
      plugins: [...plugins, rewritePlugin(root, seen)],
      legalComments: 'none',
      logLevel: 'warning',
    });
    return outfile;
  };
  const main = await one('main', MAIN_ENTRY, [fleetctlAssetPlugin(root)]);
  const fleetd = join(outdir, 'fleetd.cjs');
  await writeFleetdScript({
    entry: join(root, fleetdEntry),
    outfile: fleetd,
    options: fleetdAssetOptions(root),
  });
  const fleetctl = await one('fleetctl', ASSET_ENTRIES.fleetctl);
  const missing = REWRITES.filter((rw) => !seen.has(rw));
  if (missing.length > 0) {
    throw new Error(`package: no file matched ${missing.map((rw) => String(rw.file)).join(', ')}`);
  }
  return { main, assets: { fleetd, fleetctl } };
}
