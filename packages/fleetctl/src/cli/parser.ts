// The command line through yargs: global flags (defaults from FLEETCTL_*), the one command being
// run with its flags, strict checking of unknown flags and arguments, and help text.
import { createRequire } from 'node:module';
import type yargsFactory from 'yargs';
import type { Argv, Options } from 'yargs';
import type { CatalogEntry } from './catalog.js';
import type { CommandSpec } from './command.js';
import { UsageError } from './errors.js';
import { GLOBAL_FLAGS } from './globals.js';
import { suggest } from './suggest.js';
import { wrapHelp } from './wrap.js';
import { VERSION } from '../version.js';

/** What parsing produced: help text to print, or arguments to run with. */
export type Parsed =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'run'; readonly args: Readonly<Record<string, unknown>> };

const INTRO = 'fleetctl is a command-line interface to fleet, the cluster-wide CoreOS init system.';

const ENV_NOTE =
  'Every global option can also be set as FLEETCTL_<NAME> (upper case, "-" as "_"), e.g. ' +
  'FLEETCTL_ENDPOINT or FLEETCTL_TUNNEL. The command line wins over the environment. ' +
  'Commands may be abbreviated to any unambiguous prefix (fleetctl list-m).';

function withGlobals(y: Argv, defaults: Readonly<Record<string, unknown>>): Argv {
  let out = y;
  for (const [name, flag] of Object.entries(GLOBAL_FLAGS)) {
    const opt: Options = {
      type: flag.type,
      default: defaults[name],
      describe: flag.describe,
      global: true,
      ...(flag.hidden === true ? { hidden: true } : {}),
      ...(flag.alias === undefined ? {} : { alias: flag.alias }),
      ...(flag.type === 'boolean' ? {} : { requiresArg: true }),
    };
    out = out.option(name, opt);
  }
  return out.option('version', {
    type: 'boolean',
    describe: 'Print the version and exit',
    global: true,
  });
}

/**
 * yargs' CommonJS build: its ESM build bundles a cliui whose text wrapping cuts words at the
 * column (`FLEETCTL_ENDPO` / `INT`); the CommonJS one wraps at word boundaries (wrap-ansi).
 */
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

const GLOBAL_NAMES = [...Object.keys(GLOBAL_FLAGS), 'version', 'help'];

function commandOptions(y: Argv, spec: CommandSpec, width: number): Argv {
  let out = y.usage(
    `fleetctl ${spec.name} ${spec.usage}\n\n${spec.summary}` +
      (spec.description === undefined ? '' : `\n\n${wrapHelp(spec.description, width)}`),
  );
  const own = Object.entries(spec.options ?? {});
  for (const [name, opt] of own) {
    out = out.option(name, opt.type === 'boolean' ? opt : { requiresArg: true, ...opt });
  }
  if (own.length > 0)
    out = out.group(
      own.map(([name]) => name),
      'Options:',
    );
  return out.group(GLOBAL_NAMES, 'Global options:');
}

/** The long flags a command line for `spec` may use, as typed (`--no-block` for booleans). */
function flagWords(spec: CommandSpec | undefined): string[] {
  const flags: [string, { readonly type?: string | undefined }][] = [
    ...Object.entries(GLOBAL_FLAGS),
    ...Object.entries(spec?.options ?? {}),
    ['help', { type: 'boolean' }],
    ['version', { type: 'boolean' }],
  ];
  return flags.flatMap(([name, o]) =>
    o.type === 'boolean' ? [`--${name}`, `--no-${name}`] : [`--${name}`],
  );
}

/** ` (did you mean --x?)` for a mistyped long flag, or nothing. */
function flagHint(typed: string, spec: CommandSpec | undefined): string {
  if (!typed.startsWith('--')) return '';
  const near = suggest(
    typed.slice(2),
    flagWords(spec).map((w) => w.slice(2)),
  );
  return near === undefined ? '' : ` (did you mean --${near}?)`;
}

/**
 * yargs' "Unknown argument(s): x, y" with each name as the user typed it (yargs reads `--no-such`
 * as `such`), a guess at the flag meant, and a pointer to help.
 */
function usageMessage(msg: string, spec: CommandSpec | undefined, argv: readonly string[]): string {
  const command = spec?.name;
  const help = command === undefined ? 'fleetctl help' : `fleetctl help ${command}`;
  const unknown = /^(Unknown arguments?): (.*)$/.exec(msg);
  if (unknown !== null) {
    const typed = (unknown[2] ?? '').split(', ').map((name) => {
      const flag = argv.find((a) => {
        const bare = a.replace(/=.*$/, '');
        return bare === `--${name}` || bare === `--no-${name}` || bare === `-${name}`;
      });
      const typedName = flag?.replace(/=.*$/, '') ?? name;
      return `${typedName}${flagHint(typedName, spec)}`;
    });
    return `${unknown[1] ?? 'Unknown argument'}: ${typed.join(', ')}. Run '${help}' for usage.`;
  }
  return /^(Not enough arguments|Missing required|Invalid values)/.test(msg)
    ? `${msg}. Run '${help}' for usage.`
    : msg;
}

/**
 * Parses `argv` (the command word already expanded) for `spec`, or for the bare `fleetctl` when
 * `spec` is undefined (then only help can come out).
 * @throws UsageError for unknown flags or arguments and missing values
 */
export function parse(
  argv: readonly string[],
  catalog: readonly CatalogEntry[],
  spec: CommandSpec | undefined,
  defaults: Readonly<Record<string, unknown>>,
  width: number,
): Promise<Parsed> {
  let y = withGlobals(yargs().version(false), defaults)
    .scriptName('fleetctl')
    .parserConfiguration({
      'populate--': true,
      'parse-positional-numbers': false,
      'strip-aliased': true,
    })
    .strict()
    .help()
    .alias('help', 'h')
    .exitProcess(false)
    .wrap(width)
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError(usageMessage(msg ?? err?.message ?? 'invalid command line', spec, argv));
    });
  if (spec === undefined) {
    y = y
      .group(GLOBAL_NAMES, 'Global options:')
      .usage(`${INTRO}\n\nUsage: fleetctl [global options] <command> [options] [arguments]`);
    for (const entry of catalog) y = y.command(entry.name, entry.summary);
    y = y.epilog(`${ENV_NOTE}\n\nfleetctl version ${VERSION}`);
  } else {
    const cmd = spec.positional === undefined ? spec.name : `${spec.name} ${spec.positional}`;
    y = y.command(cmd, spec.summary, (sub: Argv) => commandOptions(sub, spec, width));
  }
  return new Promise((resolve, reject) => {
    void y.parse([...argv], {}, (err: Error | undefined, args: unknown, output: string) => {
      if (err !== undefined && err !== null) {
        reject(err instanceof UsageError ? err : new UsageError(err.message));
      } else if (output !== '') {
        resolve({ kind: 'help', text: output });
      } else {
        resolve({ kind: 'run', args: args as Record<string, unknown> });
      }
    });
  });
}
