// Where a fleetd leaves the lease of its machine session, so that the fleetd started after it
// crashed (or was SIGKILLed) takes the machine over in place instead of waiting out the old
// lease, which would make the machine disappear and its units move for nothing.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What the agent remembers of its machine session between processes. */
export interface SessionStore {
  /**
   * The lease of the previous session of `machineId`, if it was held by a process that is gone
   * (a live holder, e.g. a second fleetd on this host, is never named).
   */
  previous(machineId: string): Promise<string | undefined>;
  /** Records the current session. */
  save(machineId: string, leaseId: string): Promise<void>;
  /** Forgets the session (the machine left the cluster on purpose). */
  clear(): Promise<void>;
}

interface Saved {
  readonly machineId: string;
  readonly leaseId: string;
  readonly pid: number;
}

/** True if `pid` is a live process other than this one. */
function otherLive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A {@link SessionStore} in one small JSON file (fleetd's is under `/run/fleet`, a tmpfs, so it
 * does not outlive a reboot). A missing or unreadable file means no previous session.
 */
export class SessionFile implements SessionStore {
  constructor(private readonly path: string) {}

  async previous(machineId: string): Promise<string | undefined> {
    let saved: Partial<Saved>;
    try {
      saved = JSON.parse(await readFile(this.path, 'utf8')) as Partial<Saved>;
    } catch {
      return undefined;
    }
    if (saved.machineId !== machineId || typeof saved.leaseId !== 'string') return undefined;
    if (typeof saved.pid !== 'number' || otherLive(saved.pid)) return undefined;
    return saved.leaseId;
  }

  async save(machineId: string, leaseId: string): Promise<void> {
    const saved: Saved = { machineId, leaseId, pid: process.pid };
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(saved)}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
