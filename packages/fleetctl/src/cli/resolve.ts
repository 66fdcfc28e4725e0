// Which command a command line names: the first argument that is not a global flag (or a global
// flag's value), matched exactly or by an unambiguous prefix (`fleetctl list-m`), as fleet's
// cobra did with EnablePrefixMatching.
import { UsageError } from './errors.js';
import { GLOBAL_FLAGS, takesValue } from './globals.js';
import { suggest } from './suggest.js';

const SHORT_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(GLOBAL_FLAGS).flatMap(([name, f]) =>
    f.alias === undefined ? [] : [[f.alias, name]],
  ),
);

/** Index of the command word in `argv`, or -1 if there is none. */
export function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return -1;
    if (!arg.startsWith('-') || arg === '-') return i;
    if (arg.includes('=')) continue;
    const name = arg.startsWith('--') ? arg.slice(2) : (SHORT_ALIASES[arg.slice(1)] ?? '');
    if (takesValue(name)) i++;
    else if (GLOBAL_FLAGS[name] !== undefined && /^(true|false)$/.test(argv[i + 1] ?? '')) i++;
  }
  return -1;
}

/**
 * The command a word names: an exact name, or the only name that starts with it.
 * @throws UsageError for an unknown or ambiguous command
 */
export function resolveCommand(word: string, names: readonly string[]): string {
  if (names.includes(word)) return word;
  const matches = names.filter((n) => n.startsWith(word));
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return only;
  if (matches.length > 1) {
    throw new UsageError(
      `ambiguous command ${JSON.stringify(word)}: could be ${matches.join(', ')}. Run 'fleetctl help' for usage.`,
    );
  }
  const near = suggest(word, names);
  const hint = near === undefined ? '' : ` Did you mean ${JSON.stringify(near)}?`;
  throw new UsageError(
    `unknown command ${JSON.stringify(word)}.${hint} Run 'fleetctl help' for usage.`,
  );
}
