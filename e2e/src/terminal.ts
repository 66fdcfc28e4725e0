// fleetctl with a terminal: the compiled CLI run by `script` on a pseudo-terminal that is its
// controlling terminal (where it asks whether to trust a host key), while its stdin is /dev/null
// and its stdout and stderr go to files, so they are checked exactly (and no remote pty is
// asked for). What the "user" types is fed to the terminal.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FLEETCTL_MAIN, type FleetctlSeat } from './fleetctl.js';
import { run, type RunResult } from './run.js';

/** What a fleetctl run on a terminal printed: its own streams, and what the terminal showed. */
export interface TerminalRunResult extends RunResult {
  readonly terminal: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let runs = 0;

/**
 * Runs fleetctl from `seat` with `args` on a new pseudo-terminal, typing `typed` on it.
 * @param env - more environment (on top of PATH, HOME and the seat's agent)
 */
export async function fleetctlOnTerminal(
  seat: FleetctlSeat,
  args: readonly string[],
  typed: string,
  env: Readonly<Record<string, string>> = {},
): Promise<TerminalRunResult> {
  const n = ++runs;
  const out = join(seat.dir, `terminal-${n}.stdout`);
  const err = join(seat.dir, `terminal-${n}.stderr`);
  const line = `${[process.execPath, FLEETCTL_MAIN, ...args].map(quote).join(' ')} </dev/null >${quote(out)} 2>${quote(err)}`;
  const r = await run('setsid', ['script', '--quiet', '--return', '--command', line, '/dev/null'], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: seat.home,
      SHELL: '/bin/sh',
      ...seat.agentEnv,
      ...env,
    },
    stdin: typed,
    timeoutMs: 60_000,
  });
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  return { code: r.code, stdout: await read(out), stderr: await read(err), terminal: r.stdout };
}
