import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionFile } from './session-file.js';

const M = 'a1000000000000000000000000000001';

describe('SessionFile', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-session-'));
    path = join(dir, 'sub', 'session.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (v: unknown) => writeFile(path, JSON.stringify(v));

  it('names nothing before a session was saved, and its own saved session after', async () => {
    const f = new SessionFile(path);
    expect(await f.previous(M)).toBeUndefined();
    await f.save(M, '7587889');
    expect(await f.previous(M)).toBe('7587889');
    expect(await f.previous('b'.repeat(32))).toBeUndefined();
    await f.clear();
    expect(await f.previous(M)).toBeUndefined();
    await f.clear();
  });

  it("names a dead process's lease, never a live one's, nor anything unreadable", async () => {
    const f = new SessionFile(path);
    await f.save(M, '1');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await write({ machineId: M, leaseId: '42', pid: dead });
    expect(await f.previous(M)).toBe('42');
    await write({ machineId: M, leaseId: '42', pid: process.ppid }); // alive: another holder
    expect(await f.previous(M)).toBeUndefined();
    await writeFile(path, '{not json');
    expect(await f.previous(M)).toBeUndefined();
    await write({ machineId: M, leaseId: 42, pid: dead });
    expect(await f.previous(M)).toBeUndefined();
  });
});
