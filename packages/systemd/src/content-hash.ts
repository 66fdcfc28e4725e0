// The hash fleet gives a unit file's content.
import { parseUnitFile, unitHash } from '@fleet/unit';

/** fleet's hash of a unit file's text, or `undefined` if the text does not parse. */
export function contentHash(content: string): string | undefined {
  try {
    return unitHash(parseUnitFile(content));
  } catch {
    return undefined;
  }
}
