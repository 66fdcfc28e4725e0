// fleetctl's entry point as a function: parse the command line, run one command, turn every
// failure into one line on stderr and an exit code. Used by main.ts and, in-process, by tests.
import { oneLine } from '@fleet/runtime';
import type { Parsed } from './parser.js';
import { CATALOG, COMMAND_NAMES, type CommandName } from './catalog.js';
import { Args, type CommandSpec } from './command.js';
import { Context } from './context.js';
import { fastParse } from './fast-parse.js';
import { LOADERS } from './loaders.js';
import { quickAnswer } from './quick.js';
import { CliError, UsageError } from './errors.js';
import { globalDefaults, globalOptions } from './globals.js';
import { ttyColumns, type RunIo } from './io.js';
import { commandIndex, resolveCommand } from './resolve.js';
import { versionLine } from '../version.js';
import { escapeLine } from '../output/escape.js';

const NAMES: readonly string[] = COMMAND_NAMES;

function loadSpec(name: string): Promise<CommandSpec> {
  const load = name === 'help' ? undefined : LOADERS[name as Exclude<CommandName, 'help'>];
  if (load === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  return load();
}

async function dispatch(argv: string[], io: RunIo): Promise<number> {
  if (argv[0] === '__complete') {
    // The shell completion scripts' helper: words on stdout, never an error.
    const { printCandidates } = await import('../completion/hook.js');
    return printCandidates(argv.slice(1), io);
  }
  const quick = quickAnswer(argv);
  if (quick !== undefined) {
    io.stdout.write(`${quick}\n`);
    return 0;
  }
  const index = commandIndex(argv);
  let name = index === -1 ? undefined : resolveCommand(argv[index] ?? '', NAMES);
  const after = argv.slice(index + 1);
  // The command word first: flags may come before it (global ones, or the command's own).
  if (name !== undefined) argv = [name, ...argv.slice(0, index), ...argv.slice(index + 1)];
  if (name === 'help') {
    // `fleetctl help [command]` is `fleetctl [command] --help`.
    const rest = after.filter((a) => !a.startsWith('-'));
    const target = rest[0] === undefined ? undefined : resolveCommand(rest[0], NAMES);
    name = target === 'help' ? undefined : target;
    argv = name === undefined ? ['--help'] : [name, '--help'];
  }
  const defaults = globalDefaults(io.env);
  // The terminal's width (at most 120: longer lines read badly), or 80 when not a terminal.
  const width = Math.min(ttyColumns(io.stdout) ?? 80, 120);
  const spec = name === undefined ? undefined : await loadSpec(name);
  // yargs-parser first; full yargs only for help, errors and anything doubtful.
  const fast = spec === undefined ? undefined : await fastParse(argv, spec, defaults);
  const parsed: Parsed =
    fast === undefined
      ? await (await import('./parser.js')).parse(argv, CATALOG, spec, defaults, width)
      : { kind: 'run', args: fast };
  if (parsed.kind === 'help') {
    io.stdout.write(`${parsed.text}\n`);
    return 0;
  }
  if (new Args(parsed.args).bool('version')) {
    io.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (spec === undefined) {
    // No command: fleet prints help and succeeds.
    const { parse } = await import('./parser.js');
    const help = await parse(['--help'], CATALOG, undefined, defaults, width);
    io.stdout.write(`${help.kind === 'help' ? help.text : ''}\n`);
    return 0;
  }
  const ctx = new Context(io, globalOptions(parsed.args));
  try {
    return await spec.run(ctx, new Args(parsed.args));
  } finally {
    await ctx.close();
  }
}

/**
 * The API's refusal (403: a role that may not, a refused Host or Origin) anywhere in the causes:
 * its message is the whole story ("permission denied: role read cannot PUT units"), whatever
 * the command was doing. Duck-typed, so the client is not loaded for every run.
 */
function forbidden(err: unknown): Error | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    const f = e as { code?: unknown; status?: unknown };
    if (f.code === 'API_ERROR' && f.status === 403) return e;
  }
  return undefined;
}

/**
 * Runs fleetctl with `argv` (the arguments after the program name).
 * @returns the exit code: 0 success, 1 failure (2 for the deprecated verify/--sign); ssh,
 * status and journal return the remote command's exit status
 */
export async function run(argv: readonly string[], io: RunIo): Promise<number> {
  try {
    return await dispatch([...argv], io);
  } catch (err) {
    // An error's message may quote the cluster (a reason, an API error): escape its controls.
    io.stderr.write(`${escapeLine(oneLine(forbidden(err) ?? err))}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
