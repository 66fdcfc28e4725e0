import type { UnitOption } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { CachedUnits } from './cached-units.js';

const options = (v: string): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: `/bin/web ${v}` },
];

describe('CachedUnits.all', () => {
  it('reads again a unit given new contents while its read was out, instead of leaving it out', async () => {
    const units = new CachedUnits();
    const head = (name: string, hash: string) => ({
      name,
      hash,
      desiredState: 'launched' as const,
      revision: '1',
    });
    units.replace([{ ...head('a.service', 'h1'), options: options('1') }]);
    units.event({ type: 'put', unit: head('b.service', 'h1'), revision: '2' });
    const reads: string[][] = [];
    const registry = {
      getContentsMany: async (hashes: readonly string[]) => {
        reads.push([...hashes]);
        // While the first read is out, a.service is given new contents.
        if (reads.length === 1)
          units.event({ type: 'put', unit: head('a.service', 'h2'), revision: '3' });
        return new Map(hashes.map((h) => [h, options(h)]));
      },
    };
    const all = await units.all(registry);
    expect(all.map((u) => [u.name, u.hash])).toEqual([
      ['a.service', 'h2'],
      ['b.service', 'h1'],
    ]);
    expect(reads).toEqual([['h1'], ['h2']]);
  });

  it('leaves out a unit whose contents are gone, after three reads', async () => {
    const units = new CachedUnits();
    units.event({
      type: 'put',
      unit: { name: 'a.service', hash: 'gone', desiredState: 'launched', revision: '1' },
      revision: '1',
    });
    let reads = 0;
    const registry = {
      getContentsMany: async () => {
        reads++;
        return new Map<string, UnitOption[]>();
      },
    };
    expect(await units.all(registry)).toEqual([]);
    expect(reads).toBe(3);
  });
});
