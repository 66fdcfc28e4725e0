// The code cache of the bundled CLI: used when it was made from the file as it is, and never
// able to change what runs (a cache of another file, or one V8 refuses, is not used).
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  codeCachePath,
  codeCacheStamp,
  requireWithCodeCache,
  writeCodeCache,
} from './code-cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetctl-code-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const source = (answer: string) =>
  `const { join } = require('node:path');\nmodule.exports = { answer: '${answer}', join, file: __filename };\n`;

async function module(name: string, answer: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, source(answer));
  return file;
}

describe('requireWithCodeCache', () => {
  it('loads a CommonJS file with the cache made from it, as require() would', async () => {
    const file = await module('a.cjs', 'one');
    writeCodeCache(file);
    const r = requireWithCodeCache(file);
    expect(r.cache).toBe('used');
    expect(r.exports).toMatchObject({ answer: 'one', file });
    expect((r.exports as { join: unknown }).join).toBe(join);
    expect(createRequire(file).cache[file]?.exports).toBe(r.exports);
  });

  it('loads the file without a cache when there is none', async () => {
    const file = await module('b.cjs', 'two');
    expect(requireWithCodeCache(file)).toMatchObject({
      cache: 'missing',
      exports: { answer: 'two' },
    });
  });

  it('never uses the cache of an earlier file, even one of the same size', async () => {
    const file = await module('c.cjs', 'old');
    writeCodeCache(file);
    await writeFile(file, source('new'));
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    expect(requireWithCodeCache(file)).toMatchObject({
      cache: 'stale',
      exports: { answer: 'new' },
    });
  });

  it('runs the file as it is when V8 refuses the cache', async () => {
    // Never compiled in this process before (V8 would take it from memory, not from the cache).
    const file = await module('d.cjs', 'three');
    const broken = Buffer.concat([Buffer.from(codeCacheStamp(file)), Buffer.alloc(64, 7)]);
    await writeFile(codeCachePath(file), broken);
    expect(requireWithCodeCache(file)).toMatchObject({
      cache: 'refused',
      exports: { answer: 'three' },
    });
  });
});
