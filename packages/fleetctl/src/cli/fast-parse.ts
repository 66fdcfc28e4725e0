// The fast path of command-line parsing. yargs itself costs ~65 ms of startup (its help renderer
// pulls in cliui, string-width and wrap-ansi), more than everything else fleetctl loads. Its
// parser, yargs-parser, costs ~6 ms. So a command line is first parsed with yargs-parser (the
// copy yargs itself uses: flag-parser.ts) under the same options and
// checked the way yargs' strict mode would; anything doubtful (help, an unknown flag, a missing
// value, an extra argument, a parser error) returns `undefined`, and full yargs parses it again
// for the real answer and its exact message. fast-parse.test.ts holds both to the same results.
import type { Options } from 'yargs';
import type { CommandSpec } from './command.js';
import { GLOBAL_FLAGS } from './globals.js';
import { importYargsParser } from './flag-parser.js';

interface ParserOptions {
  alias: Record<string, string[]>;
  boolean: string[];
  string: string[];
  number: string[];
  default: Record<string, unknown>;
  narg: Record<string, number>;
  configuration: Record<string, boolean>;
}

interface Detailed {
  argv: Record<string, unknown> & { _: (string | number)[] };
  error: Error | null;
}

type YargsParser = { detailed(args: string[], opts: ParserOptions): Detailed };

let parser: Promise<YargsParser | undefined> | undefined;

/** yargs-parser as yargs resolves it, or `undefined` if it cannot be found. */
function loadParser(): Promise<YargsParser | undefined> {
  parser ??= importYargsParser().then((p) =>
    typeof (p as Partial<YargsParser> | undefined)?.detailed === 'function'
      ? (p as YargsParser)
      : undefined,
  );
  return parser;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

function parserOptions(spec: CommandSpec, defaults: Readonly<Record<string, unknown>>) {
  const opts: ParserOptions = {
    alias: { help: ['h'] },
    boolean: ['version', 'help'],
    string: [],
    number: [],
    default: {},
    narg: {},
    configuration: { 'populate--': true, 'parse-positional-numbers': false },
  };
  const known = new Set(['_', '--', '$0', 'version', 'help', 'h']);
  const add = (name: string, o: Options, dflt: unknown) => {
    known.add(name).add(camel(name));
    const alias = typeof o.alias === 'string' ? [o.alias] : (o.alias ?? []);
    if (alias.length > 0) opts.alias[name] = [...alias];
    for (const a of alias) known.add(a).add(camel(a));
    if (o.type === 'boolean') opts.boolean.push(name);
    else {
      (o.type === 'number' ? opts.number : opts.string).push(name);
      opts.narg[name] = Number.NaN; // yargs' requiresArg
    }
    if (dflt !== undefined) opts.default[name] = dflt;
  };
  for (const [name, flag] of Object.entries(GLOBAL_FLAGS)) {
    add(
      name,
      { type: flag.type, ...(flag.alias === undefined ? {} : { alias: flag.alias }) },
      defaults[name],
    );
  }
  for (const [name, o] of Object.entries(spec.options ?? {})) add(name, o, o.default);
  return { opts, known };
}

/** `[a] [b..]` → [{name: 'a'}, {name: 'b', variadic: true}]. */
function positionals(spec: CommandSpec): { name: string; variadic: boolean }[] {
  return (spec.positional ?? '')
    .split(' ')
    .filter((p) => p !== '')
    .map((p) => {
      const name = p.replace(/^\[|\]$/g, '');
      return name.endsWith('..')
        ? { name: name.slice(0, -2), variadic: true }
        : { name, variadic: false };
    });
}

/**
 * Parses `argv` (command word first) for `spec` as yargs would, or returns `undefined` when
 * yargs must decide (see the module comment).
 */
export async function fastParse(
  argv: readonly string[],
  spec: CommandSpec,
  defaults: Readonly<Record<string, unknown>>,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const p = await loadParser();
  if (p === undefined) return undefined;
  const { opts, known } = parserOptions(spec, defaults);
  const { argv: parsed, error } = p.detailed([...argv], opts);
  if (error !== null) return undefined;
  if (parsed.help === true || parsed.version === true) return undefined;
  if (Object.keys(parsed).some((k) => !known.has(k))) return undefined;
  const [command, ...words] = parsed._.map(String);
  if (command !== spec.name) return undefined;
  const out: Record<string, unknown> = { ...parsed, _: [command] };
  for (const pos of positionals(spec)) {
    // As yargs: a positional without words is left out (a variadic one too).
    if (words.length === 0) break;
    out[pos.name] = pos.variadic ? words.splice(0) : words.shift();
  }
  return words.length > 0 ? undefined : out;
}
