// The hash fleet gives a unit file's content.
import { createHash } from 'node:crypto';
import { parseUnitFile } from '@fleet/unit';

/**
 * fleet's hash of a unit file's text, or `undefined` if the text does not parse.
 *
 * It is the SHA-1 of the text itself (trailing newlines counted as one), not of the options parsed
 * back from it: the agent writes `serializeUnitOptions(options)`, so the hash of every file it
 * writes is exactly `unitHash(options)`, even for options the parser would not give back unchanged
 * (a value with leading or trailing whitespace). Hashing the parsed options instead made such a
 * unit's file never match its unit, and the agent rewrote and restarted it every pass. A file
 * written by hand with comments or other spacing gets a hash no unit has, so the agent replaces it
 * with the canonical text once. An empty file is the (empty) unit with no options.
 */
export function contentHash(content: string): string | undefined {
  const text = content.replace(/\n+$/, '\n');
  if (text !== '\n' && text !== '') {
    try {
      parseUnitFile(text);
    } catch {
      return undefined;
    }
  }
  return createHash('sha1')
    .update(text === '\n' ? '' : text, 'utf8')
    .digest('hex');
}
