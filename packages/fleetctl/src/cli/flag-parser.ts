// yargs-parser, the copy yargs itself uses (resolved from yargs' own directory), for the fast
// path of parsing (fast-parse.ts). It is an ES module: importing it from the compiled program
// costs a file or five and starts node's ESM loader (~18 ms of a run). The bundle
// (scripts/bundle.mjs) replaces this module with one that holds the same copy, bundled in.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** yargs-parser's default export (`undefined` if it cannot be found). */
export async function importYargsParser(): Promise<unknown> {
  try {
    const yargsPkg = createRequire(import.meta.url).resolve('yargs/package.json');
    const path = createRequire(yargsPkg).resolve('yargs-parser');
    return ((await import(pathToFileURL(path).href)) as { default: unknown }).default;
  } catch {
    return undefined;
  }
}
