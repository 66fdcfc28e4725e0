// The completion scripts in real shells: bash runs the script `fleetctl completion bash` prints
// and its completion function, driven as bash's programmable completion drives it (COMP_WORDS,
// COMP_CWORD, COMP_LINE, COMP_POINT); zsh runs the zsh script's function with `words` and
// CURRENT set and compadd replaced by a stand-in that prints what would be offered (compadd
// itself only works inside a completion widget). Both call the compiled fleetctl (CI builds
// first), which asks a real API on a unix socket for unit and machine names.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApi, FleetServer } from '@fleet/api';
import { InMemoryRegistry, type MachineSession } from '@fleet/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPILED_MAIN, requireCompiled } from '../testing/bundle.js';

const run = promisify(execFile);
const M1 = 'c31e44e1f7f4441ab4b9b9a6b3f5f0a1';

let dir: string;
let server: FleetServer | undefined;
let session: MachineSession | undefined;
const registry = new InMemoryRegistry();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireCompiled();
  dir = await mkdtemp(join(tmpdir(), 'fleetctl-completion-'));
  server = await FleetServer.listen(createApi({ registry, version: '9.9.9' }), {
    unixSocket: join(dir, 'fleet.sock'),
    activation: false,
  });
  for (const name of ['hello.service', 'web@1.service', 'web@2.service']) {
    await registry.createUnit({ name, options: [], desiredState: 'launched' });
  }
  session = await registry.registerMachine(
    { id: M1, publicIP: '127.0.0.7', metadata: {}, health: {}, version: '9.9.9', capabilities: [] },
    60,
  );
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'units'));
  await writeFile(join(dir, 'units', 'app.service'), '[Service]\nExecStart=/bin/true\n');
  await writeFile(join(dir, 'units', 'notes.txt'), '');
  const fleetctl = join(dir, 'bin', 'fleetctl');
  await writeFile(fleetctl, `#!/bin/sh\nexec "${process.execPath}" "${COMPILED_MAIN}" "$@"\n`);
  await chmod(fleetctl, 0o755);
  env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: dir,
    FLEETCTL_ENDPOINT: `unix://${join(dir, 'fleet.sock')}`,
  };
});
afterAll(async () => {
  await server?.close();
  await session?.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

/** bash's words for `line` (split at blanks and, as COMP_WORDBREAKS, around "="). */
function bashWords(line: string): string[] {
  const words = line.split(/\s+/).flatMap((w) => w.split(/(=)/).filter((p) => p !== ''));
  if (/\s$/.test(line)) words.push('');
  return words;
}

/** What bash completion offers for `line`, the cursor at its end. */
async function bash(line: string, endpoint = env.FLEETCTL_ENDPOINT): Promise<string[]> {
  const script = [
    'source <(fleetctl completion bash)',
    'COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; shift',
    'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))',
    '_fleetctl_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['--norc', '-c', script, 'bash', line, ...bashWords(line)], {
    cwd: dir,
    env: { ...env, FLEETCTL_ENDPOINT: endpoint },
  });
  return stdout.split('\n').filter((w) => w !== '');
}

describe('bash', () => {
  it('registers the function for fleetctl', async () => {
    const { stdout } = await run(
      'bash',
      ['--norc', '-c', 'source <(fleetctl completion bash); complete -p fleetctl'],
      { env },
    );
    expect(stdout.trim()).toBe('complete -F _fleetctl_complete fleetctl');
  });

  it.each([
    ['fleetctl st', ['start', 'status', 'stop']],
    ['fleetctl --debug list-u', ['list-unit-files', 'list-units']],
    ['fleetctl stop --no-', ['--no-block', '--no-strict-host-key-checking']],
    ['fleetctl list-units -o ', ['table', 'json']],
    ['fleetctl destroy --output=j', ['json']],
    ['fleetctl completion ', ['bash', 'zsh']],
    ['fleetctl rollout ', ['history', 'pause', 'resume', 'status', 'undo']],
  ])('%s', async (line, expected) => {
    expect(await bash(line)).toEqual(expected);
  });

  it('completes unit names from the API', async () => {
    expect(await bash('fleetctl stop web')).toEqual(['web@1.service', 'web@2.service']);
    expect(await bash('fleetctl journal h')).toEqual(['hello.service']);
    expect(await bash('fleetctl rollout status w')).toEqual(['web@1.service', 'web@2.service']);
  });

  it('completes machine IDs and IPs (ssh), and unit files next to unit names (start)', async () => {
    expect(await bash('fleetctl ssh c3')).toEqual([M1]);
    expect(await bash('fleetctl ssh 127.')).toEqual(['127.0.0.7']);
    expect(await bash('fleetctl ssh --machine ')).toEqual([M1, '127.0.0.7']);
    expect(await bash('fleetctl start units/')).toEqual(['units/app.service']);
    expect(await bash('fleetctl start u')).toEqual(['units/']);
  });

  it('offers no names, silently, when the API does not answer', async () => {
    expect(await bash('fleetctl stop ', `unix://${join(dir, 'nothing.sock')}`)).toEqual([]);
    expect(await bash('fleetctl stop ', 'http://127.0.0.1:1')).toEqual([]);
  });
});

/** What zsh's completion function would offer for `line`, the cursor at its end. */
async function zsh(line: string): Promise<string[]> {
  const script = [
    'compdef() { :; }',
    'source <(fleetctl completion zsh)',
    // The stand-in prints its words, a trailing "/" kept (-S "": no space after a directory).
    'compadd() { while [[ $1 == -* && $1 != -- ]]; do [[ $1 == -S ]] && shift; shift; done;',
    '  [[ $1 == -- ]] && shift; print -rl -- "$@"; }',
    'words=("${(@)argv}"); CURRENT=${#words}',
    '_fleetctl',
  ].join('\n');
  const words = line.split(/\s+/);
  const { stdout } = await run('zsh', ['-f', '-c', script, 'zsh', ...words], { cwd: dir, env });
  return stdout.split('\n').filter((w) => w !== '');
}

describe('zsh', () => {
  it('completes commands, flags, values and names', async () => {
    expect(await zsh('fleetctl st')).toEqual(['start', 'status', 'stop']);
    expect(await zsh('fleetctl list-units --output=')).toEqual(['--output=table', '--output=json']);
    expect(await zsh('fleetctl cat ')).toEqual(['hello.service', 'web@1.service', 'web@2.service']);
    expect(await zsh('fleetctl start units/')).toEqual(['units/app.service']);
  });
});
