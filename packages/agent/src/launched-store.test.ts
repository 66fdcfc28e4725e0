import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchedFile } from './launched-store.js';

describe('LaunchedFile', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-launched-'));
    path = join(dir, 'sub', 'fleetd-launched.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is empty before anything was saved, and gives back what was saved last, sorted', async () => {
    const f = new LaunchedFile(path);
    expect([...(await f.load())]).toEqual([]);
    await f.save(['web.service', 'api.service']);
    expect([...(await new LaunchedFile(path).load())]).toEqual(['api.service', 'web.service']);
    await f.save([]);
    expect([...(await f.load())]).toEqual([]);
    expect(await readdir(join(dir, 'sub'))).toEqual(['fleetd-launched.json']); // no temp file left
  });

  it.each([
    ['not JSON', '{"version":1,"units":["web.serv'],
    ['empty', ''],
    ['another version', '{"version":2,"units":["web.service"]}'],
    ['units not a list', '{"version":1,"units":"web.service"}'],
    ['a unit not a name', '{"version":1,"units":["web.service",7]}'],
    ['a bare list', '["web.service"]'],
  ])('rejects a corrupt file (%s) with AGENT_LAUNCHED_FILE_CORRUPT, naming it', async (_, text) => {
    await mkdir(join(dir, 'sub'));
    await writeFile(path, text);
    await expect(new LaunchedFile(path).load()).rejects.toMatchObject({
      code: 'AGENT_LAUNCHED_FILE_CORRUPT',
      message: expect.stringContaining(path),
    });
  });

  it('rejects a file it cannot read with AGENT_LAUNCHED_FILE_UNREADABLE', async () => {
    await mkdir(path, { recursive: true }); // a directory where the file should be
    await expect(new LaunchedFile(path).load()).rejects.toMatchObject({
      code: 'AGENT_LAUNCHED_FILE_UNREADABLE',
    });
  });

  it('writes a new set beside the old one and renames it over: a failed write leaves the old set whole', async () => {
    const f = new LaunchedFile(path);
    await f.save(['web.service']);
    const before = await readFile(path, 'utf8');
    // The temporary file cannot be written (a directory is in its way): the save fails, and the
    // file a restarted fleetd would read is the previous one, not an empty or partial one.
    await mkdir(`${path}.${process.pid}.tmp`);
    await expect(f.save(['api.service', 'web.service'])).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe(before);
    expect([...(await f.load())]).toEqual(['web.service']);
    await rm(`${path}.${process.pid}.tmp`, { recursive: true });
    await f.save(['api.service', 'web.service']);
    expect([...(await f.load())]).toEqual(['api.service', 'web.service']);
  });
});
