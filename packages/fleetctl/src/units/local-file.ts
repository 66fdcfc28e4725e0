// Unit files on the local disk, for lazy creation and the "differs from registry" check.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseUnitFile, splitUnitName, type UnitOption } from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import { CliError } from '../cli/errors.js';

/** A unit file read from disk. */
export interface LocalUnit {
  /** The path as the user gave it (for messages). */
  readonly file: string;
  readonly options: UnitOption[];
  /** Read from the instance's template file rather than the argument's own file. */
  readonly fromTemplate: boolean;
}

/**
 * Reads and parses a unit file.
 * @throws CliError `failed getting Unit(<file>) from file: <why>`
 */
export function readUnitFile(path: string, shown: string): UnitOption[] {
  try {
    return parseUnitFile(readFileSync(path));
  } catch (err) {
    const why = oneLine(err);
    throw new CliError(`failed getting Unit(${shown}) from file: ${why}`, { cause: err });
  }
}

/**
 * The local file for a unit argument: the file itself if it exists, else (for an instance such
 * as `dir/web@1.service`) the template `dir/web@.service` if that exists.
 * @param arg - the argument with its unit type (see unitFileArg)
 * @param resolvePath - turns a command-line path into an absolute one
 */
export function findLocalUnit(
  arg: string,
  resolvePath: (p: string) => string,
): LocalUnit | undefined {
  if (existsSync(resolvePath(arg))) {
    return { file: arg, options: readUnitFile(resolvePath(arg), arg), fromTemplate: false };
  }
  const info = splitUnitName(arg.slice(arg.lastIndexOf('/') + 1));
  if (!info.isInstance || info.template === undefined) return undefined;
  const template = join(dirname(arg), info.template);
  if (!existsSync(resolvePath(template))) return undefined;
  return {
    file: template,
    options: readUnitFile(resolvePath(template), template),
    fromTemplate: true,
  };
}
