// How many filesystem calls a unit file write makes: the directory is made once, not per write.
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnitDirectory } from './unit-directory.js';

const calls = vi.hoisted(() => ({ mkdir: 0, chmod: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  return {
    ...fs,
    mkdir: (...args: Parameters<typeof fs.mkdir>) => {
      calls.mkdir++;
      return fs.mkdir(...args);
    },
    chmod: (...args: Parameters<typeof fs.chmod>) => {
      calls.chmod++;
      return fs.chmod(...args);
    },
  };
});

const UNIT = '[Service]\nExecStart=/bin/sleep 1\n';

describe('UnitDirectory filesystem calls', () => {
  let root: string;
  let dir: UnitDirectory;
  const hostDir = () => join(root, 'run/fleet/units');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fleet-units-calls-'));
    dir = new UnitDirectory({ filesRoot: root, unitsDir: '/run/fleet/units' });
    calls.mkdir = 0;
    calls.chmod = 0;
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes the directory once for many writes, overlapping or not (one chmod per file after)', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => dir.write(`u${i}.service`, UNIT)));
    await dir.write('last.service', UNIT);
    expect(calls.mkdir).toBe(1);
    expect(calls.chmod).toBe(1 + 21); // the directory's, then each file's
    expect((await readdir(hostDir())).length).toBe(21);
  });

  it('makes the directory again when a write finds it removed', async () => {
    await dir.write('a.service', UNIT);
    await rm(hostDir(), { recursive: true });
    await dir.write('b.service', UNIT);
    expect(calls.mkdir).toBe(2);
    expect(await readdir(hostDir())).toEqual(['b.service']);
    expect((await stat(hostDir())).mode & 0o777).toBe(0o755);
  });
});
