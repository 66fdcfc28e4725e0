// Which units this machine's fleetd launched, kept across fleetd restarts (not reboots): the agent
// stops a unit it launched once its desired state becomes `loaded`, and leaves alone one that
// systemd started by itself (an [Install] dependency). Kept only in memory, that set was empty in
// a fleetd restarted after a crash, so a unit set to `loaded` while fleetd was down kept running.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LaunchedFileCorruptError, LaunchedFileUnreadableError } from './errors.js';
import { oneLine } from '@fleet/runtime';

/** Where the agent keeps the units it launched, between its processes. */
export interface LaunchedStore {
  /**
   * The units saved last; empty if none were ever saved. Rejects (an {@link AgentError}) if what
   * is stored cannot be read or makes no sense.
   */
  load(): Promise<Set<string>>;
  /** Replaces the saved units with `units`. */
  save(units: readonly string[]): Promise<void>;
}

/** A {@link LaunchedStore} in memory: for tests and the simulation (one per machine). */
export class MemoryLaunchedStore implements LaunchedStore {
  private units: readonly string[] = [];
  /** How many times `save` was called. */
  saves = 0;

  load(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.units));
  }

  save(units: readonly string[]): Promise<void> {
    this.saves++;
    this.units = [...units];
    return Promise.resolve();
  }

  /** What was saved last. */
  get saved(): readonly string[] {
    return this.units;
  }
}

const VERSION = 1;

interface Saved {
  readonly version: typeof VERSION;
  readonly units: readonly string[];
}

/**
 * A {@link LaunchedStore} in one small JSON file (fleetd's is `/run/fleet/fleetd-launched.json`,
 * on a tmpfs: after a reboot nothing fleet launched runs, and the file is gone too). Written to a
 * temporary file renamed over the old one, so a reader (the next fleetd, after a SIGKILL) sees the
 * old set or the new one, never part of one. A missing file is an empty set.
 */
export class LaunchedFile implements LaunchedStore {
  constructor(readonly path: string) {}

  async load(): Promise<Set<string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw new LaunchedFileUnreadableError(`cannot read ${this.path}: ${oneLine(err)}`, {
        cause: err,
      });
    }
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch (err) {
      throw corrupt(this.path, 'not JSON', err);
    }
    if (!isSaved(saved)) throw corrupt(this.path, `not a version ${VERSION} list of unit names`);
    return new Set(saved.units);
  }

  async save(units: readonly string[]): Promise<void> {
    const saved: Saved = { version: VERSION, units: [...units].sort() };
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(saved)}\n`, { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }
}

function corrupt(path: string, what: string, cause?: unknown): LaunchedFileCorruptError {
  return new LaunchedFileCorruptError(`${path} is corrupt (${what})`, { cause });
}

function isSaved(v: unknown): v is Saved {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<Record<keyof Saved, unknown>>;
  return (
    s.version === VERSION &&
    Array.isArray(s.units) &&
    s.units.every((u) => typeof u === 'string' && u !== '')
  );
}
