// The fast parser must agree with yargs wherever it answers, and hand everything doubtful to yargs.
import { describe, expect, it } from 'vitest';
import { journalCommand } from '../commands/journal.js';
import { listUnitsCommand } from '../commands/list-units.js';
import { sshCommand } from '../commands/ssh.js';
import { startCommand } from '../commands/start.js';
import { CATALOG } from './catalog.js';
import type { CommandSpec } from './command.js';
import { fastParse } from './fast-parse.js';
import { GLOBAL_FLAGS, globalDefaults } from './globals.js';
import { parse } from './parser.js';

const defaults = globalDefaults({ FLEETCTL_TUNNEL: 'bastion:2222' });

/**
 * The values a command reads: its flags, the global flags, positionals and `--`. An empty list
 * and an absent one read the same (`Args.list`), and yargs uses both.
 */
function relevant(spec: CommandSpec, args: Readonly<Record<string, unknown>>) {
  const keys = [
    ...Object.keys(GLOBAL_FLAGS),
    ...Object.keys(spec.options ?? {}),
    ...(spec.positional ?? '').split(' ').map((p) => p.replace(/^\[|\]$|\.\./g, '')),
    '--',
  ].filter((k) => k !== '');
  const value = (v: unknown) => (Array.isArray(v) && v.length === 0 ? null : (v ?? null));
  return Object.fromEntries(keys.map((k) => [k, value(args[k])]));
}

async function viaYargs(spec: CommandSpec, argv: string[]) {
  const r = await parse(argv, CATALOG, spec, defaults, 100);
  if (r.kind !== 'run') throw new Error('help');
  return r.args;
}

describe('fastParse agrees with yargs', () => {
  it.each<{ spec: CommandSpec; argv: string[] }>([
    { spec: listUnitsCommand, argv: ['list-units'] },
    {
      spec: listUnitsCommand,
      argv: ['list-units', '-l', '--no-legend', '--fields', 'unit,hash', '-o', 'json'],
    },
    {
      spec: listUnitsCommand,
      argv: ['list-units', '--l', '--fields=', '--endpoint', 'http://x:1', '--debug'],
    },
    {
      spec: listUnitsCommand,
      argv: ['list-units', '--fields', 'a', '--fields', 'b', '--strict-host-key-checking=false'],
    },
    { spec: startCommand, argv: ['start', '--no-block', 'a', 'b.service', '007'] },
    {
      spec: startCommand,
      argv: ['start', '--block-attempts=3', '--replace', 'x', '-i', 'key', '--ssh-timeout', '2.5'],
    },
    { spec: startCommand, argv: ['start', '--block-attempts', 'many', 'x'] },
    { spec: journalCommand, argv: ['journal', '-f', '-n', '20', '-o', 'json', '--sudo', 'web'] },
    { spec: sshCommand, argv: ['ssh', '-A', '0123abcd', '--', 'sh', '-c', 'exit 3'] },
    { spec: sshCommand, argv: ['ssh', '-m', 'abc', 'uptime', 'now'] },
    { spec: sshCommand, argv: ['ssh', '--unit', 'web', '--ssh-port', '2222'] },
  ])('$argv', async ({ spec, argv }) => {
    const fast = await fastParse(argv, spec, defaults);
    expect(fast).toBeDefined();
    expect(relevant(spec, fast ?? {})).toEqual(relevant(spec, await viaYargs(spec, argv)));
  });

  it.each<{ spec: CommandSpec; argv: string[] }>([
    { spec: listUnitsCommand, argv: ['list-units', '--bogus'] },
    { spec: listUnitsCommand, argv: ['list-units', '--no-bogus'] },
    { spec: listUnitsCommand, argv: ['list-units', 'extra'] },
    { spec: listUnitsCommand, argv: ['list-units', '--fields'] },
    { spec: listUnitsCommand, argv: ['list-units', '--help'] },
    { spec: listUnitsCommand, argv: ['list-units', '-h'] },
    { spec: listUnitsCommand, argv: ['list-units', '--version'] },
    { spec: listUnitsCommand, argv: ['list-units', '--a.b=1'] },
    { spec: startCommand, argv: ['start', '--block-attempts'] },
    { spec: journalCommand, argv: ['journal', '-x', 'web'] },
  ])('leaves $argv to yargs', async ({ spec, argv }) => {
    expect(await fastParse(argv, spec, defaults)).toBeUndefined();
  });
});
