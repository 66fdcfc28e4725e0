// What `fleetctl __complete LINE [CUR]` prints, the engine of the shell completion scripts
// (scripts.ts): the words that may come next on a command line typed up to the cursor. Command
// names, flags and the values of -o come from the command specs; unit and machine names are asked
// of the API with a short timeout (nothing on any failure: completion never prints an error);
// unit files come from the directory typed.
import { readdirSync } from 'node:fs';
import type { Options } from 'yargs';
import { COMMAND_NAMES, type CommandName } from '../cli/catalog.js';
import type { CommandSpec } from '../cli/command.js';
import { GLOBAL_FLAGS } from '../cli/globals.js';
import type { RunIo } from '../cli/io.js';
import { LOADERS } from '../cli/loaders.js';
import { commandIndex, resolveCommand } from '../cli/resolve.js';
import { apiNames, type ApiNames } from './names.js';

/** Commands whose arguments are units in the cluster. */
const UNIT_COMMANDS = new Set([
  'cat',
  'destroy',
  'journal',
  'load',
  'restart',
  'start',
  'status',
  'stop',
  'submit',
  'unload',
  'verify',
]);
/** Commands whose arguments are unit files too. */
const FILE_COMMANDS = new Set(['apply', 'load', 'plan', 'start', 'submit']);
const ROLLOUT_ACTIONS = ['history', 'pause', 'resume', 'status', 'undo'];
const UNIT_FILE = /\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)$/;
/** Only names a shell can take as one word without quoting. */
const PLAIN = /^[A-Za-z0-9@%+,.:=/_-]+$/;

type Flag = readonly [name: string, opt: Options];

function flagsOf(spec: CommandSpec | undefined): Flag[] {
  const global: Flag[] = Object.entries(GLOBAL_FLAGS)
    .filter(([, f]) => f.hidden !== true)
    .map(([name, f]) => [name, { type: f.type, default: f.default, alias: f.alias }]);
  const own = Object.entries(spec?.options ?? {}).filter(([, o]) => o.hidden !== true);
  return [...own, ...global, ['help', { type: 'boolean' }]];
}

function flagWords(flags: readonly Flag[]): string[] {
  return flags.flatMap(([name, o]) =>
    o.type === 'boolean' && o.default === true ? [`--${name}`, `--no-${name}`] : [`--${name}`],
  );
}

/** The flag a word names (`--output`, `-o`), if it is one of `flags`. */
function flagNamed(word: string, flags: readonly Flag[]): Flag | undefined {
  if (word.startsWith('--')) return flags.find(([name]) => name === word.slice(2));
  if (/^-[A-Za-z]$/.test(word)) {
    return flags.find(([, o]) => [o.alias].flat().includes(word.slice(1)));
  }
  return undefined;
}

const takesValue = (f: Flag | undefined) => f !== undefined && f[1].type !== 'boolean';

/** What a flag's value may be. */
async function flagValues(flag: Flag, spec: CommandSpec | undefined, names: Names) {
  const [name, opt] = flag;
  if (name === 'output') return [String(opt.default ?? 'text'), 'json'];
  if (spec?.name === 'ssh' && name === 'machine') return names.machines();
  if (spec?.name === 'ssh' && name === 'unit') return names.units();
  return [];
}

/** Unit files and directories under the directory `typed` names. */
function localFiles(typed: string, cwd: string): string[] {
  const slash = typed.lastIndexOf('/');
  const dir = slash < 0 ? '' : typed.slice(0, slash + 1);
  try {
    const entries = readdirSync(
      dir === '' ? cwd : `${dir.startsWith('/') ? '' : `${cwd}/`}${dir}`,
      {
        withFileTypes: true,
      },
    );
    return entries.flatMap((e) =>
      e.isDirectory() ? [`${dir}${e.name}/`] : UNIT_FILE.test(e.name) ? [`${dir}${e.name}`] : [],
    );
  } catch {
    return [];
  }
}

type Names = ApiNames;

async function positionalWords(
  spec: CommandSpec,
  index: number,
  current: string,
  names: Names,
  cwd: string,
): Promise<string[]> {
  const cmd = spec.name;
  if (cmd === 'help') return [...COMMAND_NAMES];
  if (cmd === 'completion') return index === 0 ? ['bash', 'zsh'] : [];
  if (cmd === 'rollout') return index === 0 ? ROLLOUT_ACTIONS : names.units();
  if (cmd === 'ssh') {
    return index === 0 ? [...(await names.machines()), ...(await names.units())] : [];
  }
  const out = UNIT_COMMANDS.has(cmd) ? await names.units() : [];
  return FILE_COMMANDS.has(cmd) ? [...localFiles(current, cwd), ...out] : out;
}

/** The global flags given before the command (`--endpoint X`, `--tunnel=Y`). */
function givenGlobals(words: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(words[i] ?? '');
    const name = m?.[1];
    if (name === undefined || GLOBAL_FLAGS[name]?.type !== 'string') continue;
    out[name] = m?.[2] ?? words[++i] ?? '';
  }
  return out;
}

/**
 * The words that may stand where the cursor is, for the command line `line` (the program's name
 * first, typed up to the cursor), each starting with the word being typed.
 */
export async function candidates(line: string, io: RunIo): Promise<string[]> {
  const words = line.replace(/^\s+/, '').split(/\s+/).slice(1);
  const current = words.pop() ?? '';
  const names = apiNames(io, givenGlobals(words));
  const index = commandIndex(words);
  let spec: CommandSpec | undefined;
  let before = words;
  if (index >= 0) {
    let name: string;
    try {
      name = resolveCommand(words[index] ?? '', COMMAND_NAMES);
    } catch {
      return [];
    }
    spec = name === 'help' ? helpSpec : await LOADERS[name as Exclude<CommandName, 'help'>]();
    before = words.slice(index + 1);
  }
  const flags = flagsOf(spec);
  const prev = flagNamed(before[before.length - 1] ?? '', flags);
  let all: string[];
  const eq = /^(--[a-z-]+)=(.*)$/.exec(current);
  if (eq !== null) {
    const flag = flagNamed(eq[1] ?? '', flags);
    const values = flag === undefined ? [] : await flagValues(flag, spec, names);
    all = values.map((v) => `${eq[1] ?? ''}=${v}`);
  } else if (takesValue(prev) && prev !== undefined) {
    all = await flagValues(prev, spec, names);
  } else if (current.startsWith('-')) {
    all = flagWords(flags);
  } else if (spec === undefined) {
    all = [...COMMAND_NAMES];
  } else {
    let n = 0;
    for (let i = 0; i < before.length; i++) {
      const w = before[i] ?? '';
      if (!w.startsWith('-')) n++;
      else if (!w.includes('=') && takesValue(flagNamed(w, flags))) i++;
    }
    all = await positionalWords(spec, n, current, names, io.cwd ?? process.cwd());
  }
  await names.close();
  const seen = new Set<string>();
  return all.filter((w) => w.startsWith(current) && PLAIN.test(w) && !seen.has(w) && seen.add(w));
}

const helpSpec: CommandSpec = {
  name: 'help',
  usage: '',
  summary: '',
  run: () => Promise.resolve(0),
};
