import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUnitFile, serializeUnitOptions, unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnitDirectory } from './unit-directory.js';

const UNIT = '[Service]\nExecStart=/bin/sleep 1\n';

describe('UnitDirectory', () => {
  let root: string;
  let dir: UnitDirectory;
  const hostDir = () => join(root, 'run/fleet/units');

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fleet-units-'));
    dir = new UnitDirectory({ filesRoot: root, unitsDir: '/run/fleet/units' });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes under filesRoot, gives systemd the in-root path, with modes 0755 and 0644', async () => {
    const old = process.umask(0o077);
    try {
      await dir.write('web.service', UNIT);
    } finally {
      process.umask(old);
    }
    expect(dir.systemdPath('web.service')).toBe('/run/fleet/units/web.service');
    expect((await stat(hostDir())).mode & 0o777).toBe(0o755);
    expect((await stat(join(hostDir(), 'web.service'))).mode & 0o777).toBe(0o644);
    expect(await readdir(hostDir())).toEqual(['web.service']); // no temporary file left
  });

  it('lists unit files of every type, sorted, with hashes; no directory means none', async () => {
    expect(await dir.list()).toEqual([]);
    await dir.write('b.socket', '[Socket]\nListenStream=/run/b.sock\n');
    await dir.write('a.service', UNIT);
    await dir.write('c.target', '[Unit]\nDescription=c\n');
    await writeFile(join(hostDir(), 'notes.txt'), 'hello');
    await writeFile(join(hostDir(), '.a.service.0badf00d.tmp'), UNIT);
    await mkdir(join(hostDir(), 'd.service'));
    expect(await dir.list()).toEqual([
      { name: 'a.service', hash: unitHash(parseUnitFile(UNIT)) },
      { name: 'b.socket', hash: unitHash(parseUnitFile('[Socket]\nListenStream=/run/b.sock\n')) },
      { name: 'c.target', hash: unitHash(parseUnitFile('[Unit]\nDescription=c\n')) },
    ]);
  });

  it('knows the hash of files it did not write, and forgets removed ones', async () => {
    await mkdir(hostDir(), { recursive: true });
    await writeFile(join(hostDir(), 'old.service'), UNIT);
    expect(await dir.hash('old.service')).toBe(unitHash(parseUnitFile(UNIT)));
    await dir.remove('old.service');
    await dir.remove('old.service');
    expect(await dir.hash('old.service')).toBeUndefined();
    expect(await dir.hash('never.service')).toBeUndefined();
  });

  it('writes a unit with a 255-character name (the longest systemd takes)', async () => {
    const name = `${'a'.repeat(247)}.service`;
    await dir.write(name, UNIT);
    expect(await dir.list()).toEqual([{ name, hash: unitHash(parseUnitFile(UNIT)) }]);
    expect(await readdir(hostDir())).toEqual([name]);
  });

  it('hashes a file as the unit hash of the options it was written from, padding included', async () => {
    const padded: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000 ' },
      { section: 'Service', name: 'Environment', value: '  A=1' },
    ];
    await dir.write('pad.service', serializeUnitOptions(padded) + '\n');
    expect(await dir.hash('pad.service')).toBe(unitHash(padded));
    // A fresh directory object (an agent restarted) reads the same hash from disk.
    const again = new UnitDirectory({ filesRoot: root, unitsDir: '/run/fleet/units' });
    expect(await again.list()).toEqual([{ name: 'pad.service', hash: unitHash(padded) }]);
    expect(unitHash(padded)).not.toBe(unitHash(parseUnitFile(serializeUnitOptions(padded))));
  });

  it('rejects a relative units directory', () => {
    expect(() => new UnitDirectory({ filesRoot: '/', unitsDir: 'run/fleet' })).toThrow(
      expect.objectContaining({ code: 'SYSTEMD_INVALID_ARGS' }),
    );
  });

  it('reports a failed write as SYSTEMD_FILE', async () => {
    await writeFile(join(root, 'run'), 'a file where a directory should be');
    await expect(dir.write('web.service', UNIT)).rejects.toMatchObject({
      code: 'SYSTEMD_FILE',
      retryable: false,
    });
  });

  it('forgets the names it removed, so its cache stays bounded under name churn', async () => {
    // Instances come and go (job@<id>.service): 20,000 distinct names, a few on disk at a time.
    for (let i = 0; i < 20_000; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => `job@${i + j}.service`);
      if (i % 2_000 === 0) {
        // Some are really written; the rest are removed and asked for, as an agent does.
        await Promise.all(batch.slice(0, 5).map((n) => dir.write(n, UNIT)));
      }
      await Promise.all(batch.map((n) => dir.hash(n)));
      await Promise.all(batch.map((n) => dir.remove(n)));
      expect(dir.cachedNames).toBeLessThanOrEqual(5);
    }
    expect(dir.cachedNames).toBe(0);
    // A file removed behind its back is forgotten at the next listing.
    await dir.write('a.service', UNIT);
    await dir.write('b.service', UNIT);
    await rm(join(hostDir(), 'a.service'));
    expect(await dir.list()).toEqual([{ name: 'b.service', hash: expect.any(String) }]);
    expect(dir.cachedNames).toBe(1);
    expect(await dir.hash('a.service')).toBeUndefined();
    expect(dir.cachedNames).toBe(1);
  }, 60_000);
});
