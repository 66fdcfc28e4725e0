// fleet's units directory on disk: atomic writes, listing, and the hashes of what is there.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { oneLine } from '@fleet/runtime';
import { contentHash } from './content-hash.js';
import { SystemdFileError, SystemdInvalidArgsError } from './errors.js';
import { isRecognizedUnitName } from './names.js';
import type { UnitFileInfo } from './systemd.js';

/** fleet's default units directory. */
export const DEFAULT_UNITS_DIR = '/run/fleet/units';

const DIR_MODE = 0o755;
const FILE_MODE = 0o644;

/** Where the units directory is. */
export interface UnitDirectoryOptions {
  /** The directory as systemd sees it (absolute). */
  unitsDir: string;
  /**
   * The root the directory is under as this process sees it, e.g. `/proc/<pid>/root` to write
   * into a container whose systemd reads `unitsDir`.
   */
  filesRoot: string;
}

/**
 * The units directory. It caches each file's hash (written, listed or read once), so it must be
 * the only writer of the directory.
 */
export class UnitDirectory {
  /**
   * name → hash of the files on disk; `null` for one that does not parse. Absent files have no
   * entry (removing deletes it), so the map never outgrows the directory, whatever names churn.
   */
  private readonly hashes = new Map<string, string | null>();
  private readonly hostDir: string;
  /**
   * The directory made and its mode set, once: repeated on every write, the two calls were two
   * of five filesystem calls per unit file (and a hundred writes queue on libuv's few threads).
   * Forgotten when a write finds the directory gone, so that write makes it again.
   */
  private prepared: Promise<void> | undefined;

  constructor(private readonly opts: UnitDirectoryOptions) {
    if (!posix.isAbsolute(opts.unitsDir)) {
      throw new SystemdInvalidArgsError(`units directory must be absolute: ${opts.unitsDir}`, {
        operation: 'configure',
      });
    }
    this.hostDir = join(opts.filesRoot, opts.unitsDir);
  }

  /** The path systemd is given for unit `name`. */
  systemdPath(name: string): string {
    return posix.join(this.opts.unitsDir, name);
  }

  /** Writes the file atomically (temporary file, then rename), modes 0755/0644. */
  async write(name: string, content: string): Promise<void> {
    const operation = `write unit file ${name}`;
    // Not `.${name}.…`: a 255-character name plus a suffix would exceed the 255-byte file name
    // limit. The listing ignores it (not a unit type), and names are unique per write.
    const temp = join(this.hostDir, `.fleet-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await this.prepare();
      try {
        await writeFile(temp, content, { mode: FILE_MODE });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.prepared = undefined; // removed since it was made: make it again, once
        await this.prepare();
        await writeFile(temp, content, { mode: FILE_MODE });
      }
      await chmod(temp, FILE_MODE);
      await rename(temp, join(this.hostDir, name));
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new SystemdFileError(oneLine(err), { operation, cause: err });
    }
    this.hashes.set(name, contentHash(content) ?? null);
  }

  /** Makes the directory (mode 0755) unless this object already did. */
  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await mkdir(this.hostDir, { recursive: true, mode: DIR_MODE });
      await chmod(this.hostDir, DIR_MODE);
    })().catch((err: unknown) => {
      this.prepared = undefined; // a failure is not remembered: the next write tries again
      throw err;
    });
    return this.prepared;
  }

  /** Removes the file if it is there. */
  async remove(name: string): Promise<void> {
    try {
      await rm(join(this.hostDir, name), { force: true });
    } catch (err) {
      throw new SystemdFileError(oneLine(err), {
        operation: `remove unit file ${name}`,
        cause: err,
      });
    }
    this.hashes.delete(name);
  }

  /** The recognised unit files and their hashes, sorted by name (re-read from disk). */
  async list(): Promise<UnitFileInfo[]> {
    let entries: string[];
    try {
      const dirents = await readdir(this.hostDir, { withFileTypes: true });
      entries = dirents
        .filter((d) => d.isFile() && isRecognizedUnitName(d.name))
        .map((d) => d.name);
    } catch (err) {
      if (isNotFound(err)) {
        this.hashes.clear();
        return [];
      }
      throw new SystemdFileError(oneLine(err), { operation: 'list unit files', cause: err });
    }
    // Forget names that are no longer on disk (removed by someone else).
    const present = new Set(entries);
    for (const name of [...this.hashes.keys()]) if (!present.has(name)) this.hashes.delete(name);
    const files: UnitFileInfo[] = [];
    for (const name of entries.sort()) {
      const hash = await this.readHash(name);
      if (hash === undefined) continue; // removed meanwhile
      files.push(hash === null ? { name } : { name, hash });
    }
    return files;
  }

  /** The hash of file `name`; `undefined` if there is no such file or it does not parse. */
  async hash(name: string): Promise<string | undefined> {
    const cached = this.hashes.has(name) ? this.hashes.get(name) : await this.readHash(name);
    return cached ?? undefined;
  }

  /** How many names the hash cache holds (for tests: bounded by the files on disk). */
  get cachedNames(): number {
    return this.hashes.size;
  }

  private async readHash(name: string): Promise<string | null | undefined> {
    let content: string;
    try {
      content = await readFile(join(this.hostDir, name), 'utf8');
    } catch (err) {
      if (!isNotFound(err)) {
        throw new SystemdFileError(oneLine(err), {
          operation: `read unit file ${name}`,
          cause: err,
        });
      }
      this.hashes.delete(name);
      return undefined;
    }
    const hash = contentHash(content) ?? null;
    this.hashes.set(name, hash);
    return hash;
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
