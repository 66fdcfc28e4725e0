// The units `plan` and `apply` are given: unit files and directories of them. A directory means
// its unit files (fleet's unit types); a symlink in it (`web@1.service -> web@.service`) is a unit
// of the link's name with the target's contents, as systemd reads one. A file argument is read as
// `submit` reads it: `.service` appended to a name without a unit type, and an instance without a
// file of its own read from its template file.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { WireUnitOption } from '@fleet/client';
import { RECOGNIZED_UNIT_TYPES } from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import type { Context } from '../cli/context.js';
import { CliError, UsageError } from '../cli/errors.js';
import { findLocalUnit, readUnitFile } from './local-file.js';
import { unitFileArg, unitName } from './names.js';
import { checkXFleetKeys } from './strict.js';

/** A unit read from disk. */
export interface FileUnit {
  readonly name: string;
  readonly options: readonly WireUnitOption[];
  /** Where it was read from, for messages. */
  readonly file: string;
}

const isUnitFileName = (name: string): boolean =>
  !name.startsWith('.') && RECOGNIZED_UNIT_TYPES.some((t) => name.endsWith(`.${t}`));

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The unit files of a directory, sorted by name (subdirectories are not read). */
function readDirectory(arg: string, path: string): FileUnit[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (err) {
    throw new CliError(`failed reading directory ${arg}: ${oneLine(err)}`, { cause: err });
  }
  const out: FileUnit[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!isUnitFileName(e.name) || !(e.isFile() || e.isSymbolicLink())) continue;
    const file = join(arg, e.name);
    const full = join(path, e.name);
    // A symlink is followed: an instance linked to its template gets the template's contents.
    if (e.isSymbolicLink() && isDirectory(full)) continue;
    out.push({ name: e.name, options: readUnitFile(full, file), file });
  }
  return out;
}

/**
 * Every unit of the arguments, each name once.
 * @throws UsageError without arguments; CliError for a file that cannot be found or parsed, or a
 *   unit given twice
 */
export function readUnitSet(ctx: Context, args: readonly string[]): FileUnit[] {
  if (args.length === 0) throw new UsageError('No unit files or directories given');
  const units: FileUnit[] = [];
  for (const arg of args) {
    const path = ctx.path(arg);
    if (isDirectory(path)) {
      units.push(...readDirectory(arg, path));
      continue;
    }
    const fileArg = unitFileArg(arg);
    const local = findLocalUnit(fileArg, (p) => ctx.path(p));
    if (local === undefined) throw new CliError(`unit file ${fileArg} not found`);
    units.push({ name: unitName(fileArg), options: local.options, file: local.file });
  }
  const seen = new Map<string, string>();
  for (const u of units) {
    const first = seen.get(u.name);
    if (first !== undefined) {
      throw new CliError(`unit ${u.name} is given twice (${first} and ${u.file})`);
    }
    seen.set(u.name, u.file);
  }
  checkXFleetKeys(ctx, units);
  return units;
}
