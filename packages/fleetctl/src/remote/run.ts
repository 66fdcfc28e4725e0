// Running a command on a cluster machine: locally when it is this machine (its ID equals
// /etc/machine-id), else over SSH to its public IP, nested through the --tunnel bastion when
// one is given.
import type { Writable } from 'node:stream';
import type { WireMachine } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { sshConnect } from '../ssh/connect.js';
import { execRemote, ptyFor, shellRemote } from '../ssh/exec.js';
import { runLocal } from './local.js';
import { commandLine } from './quote.js';

/** How to run a command on a machine. */
export interface MachineRun {
  readonly sshPort: number;
  /** Forward stdin to the command (and use a pseudo-terminal when stdin is a terminal). */
  readonly interactive?: boolean;
  readonly forwardAgent?: boolean;
  /** Always use SSH, even to this machine (`fleetctl ssh`). */
  readonly alwaysSsh?: boolean;
  /** Where the command's output goes (default: our stdout and stderr). */
  readonly output?: { readonly stdout: Writable; readonly stderr: Writable };
}

/**
 * Runs `command` on `machine`: an argument vector, or a command line for the remote shell
 * (a string), or nothing for an interactive shell.
 * @returns the command's exit status
 * @throws CliError (exit 255) when it cannot be run
 */
export async function runOnMachine(
  ctx: Context,
  machine: WireMachine,
  command: readonly string[] | string | undefined,
  how: MachineRun,
): Promise<number> {
  if (how.alwaysSsh !== true && typeof command !== 'string' && command !== undefined) {
    if (machine.id === ctx.localMachineId()) {
      ctx.debug(`machine ${machine.id} is this machine: running ${command.join(' ')} locally`);
      return runLocal(command, { ...ctx.io, ...how.output });
    }
  }
  const ip = machine.primaryIP;
  if (ip === undefined || ip === '') {
    throw new CliError(`machine ${machine.id} has no public IP to connect to`, { exitCode: 255 });
  }
  let conn;
  try {
    const via = await ctx.bastion();
    conn = await sshConnect(ip, how.sshPort, ctx.sshSettings(), {
      ...(via === undefined ? {} : { via }),
      forwardAgent: how.forwardAgent === true,
    });
  } catch (err) {
    const why = oneLine(err);
    throw new CliError(`Failed building SSH client: ${why}`, { exitCode: 255, cause: err });
  }
  const stdinTty = (ctx.io.stdin as { isTTY?: boolean }).isTTY === true;
  const io = {
    stdout: how.output?.stdout ?? ctx.io.stdout,
    stderr: how.output?.stderr ?? ctx.io.stderr,
    ...(how.interactive === true ? { stdin: ctx.io.stdin } : {}),
    ...(how.interactive === true && stdinTty
      ? { pty: ptyFor(ctx.io.stdout, ctx.io.env.TERM) }
      : {}),
  };
  try {
    if (command === undefined) return await shellRemote(conn, io);
    const line = typeof command === 'string' ? command : commandLine(command);
    ctx.debug(`running on ${ip}:${how.sshPort}: ${line}`);
    return await execRemote(conn, line, io);
  } catch (err) {
    const why = oneLine(err);
    throw new CliError(`Failed running command over SSH: ${why}`, { exitCode: 255, cause: err });
  } finally {
    conn.end();
  }
}
