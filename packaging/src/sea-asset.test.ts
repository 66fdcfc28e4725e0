import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assetTrailer, readAssets, wrapSource } from './sea-asset.js';

const dirs: string[] = [];
const tempFile = (bytes: Buffer) => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-sea-asset-'));
  dirs.push(dir);
  const file = join(dir, 'fleet');
  writeFileSync(file, bytes);
  return file;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the programs after the executable', () => {
  it('reads back each appended asset by its key, the executable before them untouched', () => {
    const image = Buffer.from('\x7fELF pretend executable');
    const assets = new Map([
      ['fleetd.cjs', Buffer.from('fleetd();\n')],
      ['fleetd.cjs.cache', Buffer.from([0, 1, 2, 255])],
      ['fleetctl.cjs', Buffer.from('fleetctl("µ");\n')],
    ]);
    const file = tempFile(Buffer.concat([image, assetTrailer(image.length, assets)]));
    const got = readAssets(['fleetd.cjs', 'fleetd.cjs.cache', 'fleetctl.cjs', 'absent'], file);
    expect([...got.keys()]).toEqual(['fleetd.cjs', 'fleetd.cjs.cache', 'fleetctl.cjs']);
    for (const [k, v] of assets) expect(got.get(k)?.equals(v), k).toBe(true);
  });

  it('refuses an executable that carries none', () => {
    const file = tempFile(Buffer.from('a plain node binary'));
    expect(() => readAssets(['fleetd.cjs'], file)).toThrow('carries no programs');
  });

  it("wraps a bundle as node's Module.wrap does (the code cache is made for that text)", () => {
    const wrap = (Module as unknown as { wrap(s: string): string }).wrap;
    expect(wrapSource('x = 1;')).toBe(wrap('x = 1;'));
  });
});
