// `--fields` and `--output` of the list commands: which columns, in which format.
import { UsageError } from '../cli/errors.js';
import { parseFormat } from './format.js';

/** `--output` formats of the list commands. */
export type OutputFormat = 'table' | 'json';

/**
 * Parses `--fields`: a comma-separated list of keys from `valid`, in the order given.
 * @throws UsageError with fleet's messages: `Must define output format`, `Invalid key in output
 * format: "x"`
 */
export function parseFields(text: string, valid: readonly string[]): string[] {
  if (text.trim() === '') throw new UsageError('Must define output format');
  const fields = text.split(',').map((f) => f.trim());
  for (const f of fields) {
    if (!valid.includes(f)) {
      throw new UsageError(
        `Invalid key in output format: ${JSON.stringify(f)} (valid keys: ${valid.join(', ')})`,
      );
    }
  }
  return fields;
}

/** Parses `--output`. @throws UsageError for anything but `table` or `json` */
export function parseOutputFormat(text: string): OutputFormat {
  return parseFormat(text, 'table');
}

/** One list row: for each field, the table cell and the JSON value. */
export type Row = Readonly<Record<string, { readonly cell: string; readonly json: unknown }>>;

/** A cell and a JSON value; empty text shows as `-`, and absent values are JSON `null`. */
export function value(cell: string | undefined, json: unknown = cell): Row[string] {
  return {
    cell: cell === undefined || cell === '' ? '-' : cell,
    json: json === undefined || json === '' ? null : json,
  };
}
