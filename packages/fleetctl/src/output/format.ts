// `-o`/`--output`: every printing command takes `json` or its human format (`table` for lists,
// `text` for the rest), with one wording for a value that is neither.
import type { Options } from 'yargs';
import { UsageError } from '../cli/errors.js';

/** `-o`/`--output` of a command whose human format is text. */
export const OUTPUT_OPTION: Options = {
  type: 'string',
  default: 'text',
  alias: 'o',
  describe: 'Output format: text or json',
};

/** `-o`/`--output` of a command whose human format is a table. */
export const TABLE_OUTPUT_OPTION: Options = {
  type: 'string',
  default: 'table',
  alias: 'o',
  describe: 'Output format: table or json',
};

/**
 * Parses an `--output` value.
 * @param human - the command's human format
 * @throws UsageError `Invalid output format "x" (expected <human> or json)`
 */
export function parseFormat<H extends 'table' | 'text'>(text: string, human: H): H | 'json' {
  if (text === human || text === 'json') return text as H | 'json';
  throw new UsageError(`Invalid output format ${JSON.stringify(text)} (expected ${human} or json)`);
}
