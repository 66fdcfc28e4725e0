// Command lines answered without parsing or loading anything: `fleetctl version`, `--version` and
// `-v`. run() answers them through this; so does bin.ts, the bundled program, before it loads
// the rest of fleetctl.
import { COMMAND_NAMES } from './catalog.js';
import { commandIndex, resolveCommand } from './resolve.js';
import { versionLine } from '../version.js';

/**
 * What to print for a command line that asks only for the version, or `undefined` for any other
 * (including an unknown or ambiguous command word: run() reports those).
 */
export function quickAnswer(argv: readonly string[]): string | undefined {
  if (argv[0] === '--version' || argv[0] === '-v') return versionLine();
  // `fleetctl version` (or a prefix of it) with nothing else; flags go through the parser.
  if (argv.length !== 1) return undefined;
  const index = commandIndex(argv);
  if (index === -1) return undefined;
  try {
    return resolveCommand(argv[index] ?? '', COMMAND_NAMES) === 'version'
      ? versionLine()
      : undefined;
  } catch {
    return undefined;
  }
}
