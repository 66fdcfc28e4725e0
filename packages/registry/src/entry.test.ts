// The package's main entry carries no etcd and no test code: importing it (as built, in a fresh
// node) never resolves etcd3, gRPC, cockatiel, vitest or testkit; `/etcd` and `/testing` do.
// Reads dist/, which `npm test` (and `npx tsc -b`) builds before the tests run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const HEAVY = ['etcd3', '@grpc/grpc-js', 'cockatiel', 'vitest', '@fleet/testkit'];

// A resolve hook that prints every bare specifier resolved, one per line, on stderr.
const HOOKS = `
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(specifier)) writeSync(2, 'resolved ' + specifier + '\\n');
  return next(specifier, context);
}`;
const REGISTER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));`;

/** The bare specifiers a fresh node resolves while importing `file` (under dist/). */
function bareImportsOf(file: string): string[] {
  const path = DIST + file;
  if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx tsc -b)`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(REGISTER)}`,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(path)});`,
    ],
    { encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  return run.stderr
    .split('\n')
    .filter((l) => l.startsWith('resolved '))
    .map((l) => l.slice('resolved '.length));
}

describe('entry points', () => {
  it('the main entry resolves neither etcd3, gRPC, cockatiel nor test code', () => {
    const bare = bareImportsOf('index.js');
    expect(bare).toContain('zod'); // the hook sees what the entry does load
    expect(bare.filter((s) => HEAVY.some((h) => s === h || s.startsWith(`${h}/`)))).toEqual([]);
  });

  it('the etcd subpath does', () => {
    expect(bareImportsOf('etcd.js')).toEqual(expect.arrayContaining(['etcd3', 'cockatiel']));
  });

  it('the testing subpath brings vitest and testkit', () => {
    expect(bareImportsOf('testing/index.js')).toEqual(
      expect.arrayContaining(['vitest', '@fleet/testkit']),
    );
  });
});
