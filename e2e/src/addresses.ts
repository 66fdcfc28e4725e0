import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

const LOCK_DIR = '/run/fleet-e2e/addresses';

/** Loopback addresses claimed by this process for its machines' sshd (127.0.0.1N). */
export interface AddressClaim {
  readonly addresses: readonly string[];
  /** Gives the addresses back. Idempotent. */
  release(): Promise<void>;
}

/**
 * Claims `n` addresses 127.0.0.11, 127.0.0.12, … that no other live test run holds and where
 * nothing listens on port 22, so that concurrent runs (or a stray sshd) never collide. A claim is
 * a lock file holding our PID; one whose process is gone is taken over.
 */
export async function claimAddresses(n: number): Promise<AddressClaim> {
  await mkdir(LOCK_DIR, { recursive: true });
  const held: string[] = [];
  const release = async () => {
    const mine = held.splice(0);
    await Promise.all(mine.map((a) => rm(join(LOCK_DIR, a), { force: true })));
  };
  for (let k = 1; k <= 99 && held.length < n; k++) {
    const address = `127.0.0.1${k}`;
    if (!(await lock(address))) continue;
    if (await portFree(address, 22)) held.push(address);
    else await rm(join(LOCK_DIR, address), { force: true });
  }
  if (held.length < n) {
    await release();
    throw new Error(
      `could not claim ${n} loopback addresses for sshd (127.0.0.11-127.0.0.199 are busy)`,
    );
  }
  return { addresses: [...held], release };
}

async function lock(address: string): Promise<boolean> {
  const path = join(LOCK_DIR, address);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await open(path, 'wx');
      await f.writeFile(String(process.pid));
      await f.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && alive(pid)) return false;
      await rm(path, { force: true }); // left by a run that died
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
