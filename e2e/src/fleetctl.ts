// fleetctl as an operator on the host runs it against a test cluster: the compiled CLI under this
// node, in a child process with a clean environment (its own empty HOME, so no key or known_hosts
// of the host's user is ever used), and an ssh-agent holding the harness's client key.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { projectDir } from './project.js';
import { run, type RunResult } from './run.js';

/** The compiled CLI (`npx tsc -b` builds it). */
export const FLEETCTL_MAIN = join(projectDir(), 'packages', 'fleetctl', 'dist', 'main.js');

/** How one fleetctl command is run. */
export interface FleetctlRunOptions {
  /** More environment variables (FLEETCTL_*, SSH_AUTH_SOCK, …) on top of PATH and HOME. */
  readonly env?: Readonly<Record<string, string>>;
  /** Text written to fleetctl's stdin (default: stdin is /dev/null). */
  readonly stdin?: string;
  /** Kill it and throw after this long (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * Runs the compiled fleetctl with `args` under `process.execPath`, with only PATH, HOME (`home`)
 * and `opts.env` in its environment, in a new session without a controlling terminal. Never
 * throws for a non-zero exit; throws on timeout.
 */
export async function runFleetctl(
  home: string,
  args: readonly string[],
  opts: FleetctlRunOptions = {},
): Promise<RunResult> {
  if (!existsSync(FLEETCTL_MAIN)) {
    throw new Error(`${FLEETCTL_MAIN} is missing: build first (npx tsc -b)`);
  }
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    ...opts.env,
  };
  // setsid: no controlling terminal, as in CI, so a host key question is refused at once
  // instead of waiting on the terminal of whoever runs the tests.
  return run('setsid', [process.execPath, FLEETCTL_MAIN, ...args], {
    env,
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
  });
}

/** An `ssh-agent -D` of the test's own, on a socket in `dir`, stopped by `stop()`. */
export class SshAgent {
  private constructor(
    /** The agent's socket: fleetctl's `SSH_AUTH_SOCK`. */
    readonly socket: string,
    private readonly proc: TrackedProcess,
  ) {}

  /** Starts the agent and adds `keys` (private key files without passphrase). */
  static async start(dir: string, keys: readonly string[]): Promise<SshAgent> {
    const socket = join(dir, 'agent.sock');
    const proc = spawnTracked('ssh-agent', 'ssh-agent', ['-D', '-a', socket]);
    const agent = new SshAgent(socket, proc);
    try {
      await waitFor(
        () => {
          if (!proc.running) throw new Error(`ssh-agent exited: ${proc.log()}`);
          return existsSync(socket);
        },
        { what: 'the ssh-agent socket', timeoutMs: 10_000 },
      );
      for (const key of keys) {
        const r = await run('ssh-add', ['-q', key], {
          env: { PATH: process.env.PATH ?? '', SSH_AUTH_SOCK: socket },
          timeoutMs: 10_000,
        });
        if (r.code !== 0) throw new Error(`ssh-add ${key} failed: ${r.stderr || r.stdout}`);
      }
      return agent;
    } catch (err) {
      await agent.stop();
      throw err;
    }
  }

  /** The agent's process ID (the only process this class ever signals). */
  get pid(): number {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.running;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}

/**
 * An operator's seat on the host: an empty HOME in a temporary directory (for unit files and
 * known_hosts files the test writes, too) and, optionally, an ssh-agent. `dispose()` stops the
 * agent and removes the directory.
 */
export class FleetctlSeat {
  private constructor(
    /** The temporary directory; HOME is `dir/home`. */
    readonly dir: string,
    readonly agent: SshAgent | undefined,
  ) {}

  /** Makes the directory and starts an ssh-agent holding `agentKeys` (none: no agent). */
  static async create(agentKeys: readonly string[] = []): Promise<FleetctlSeat> {
    const dir = await mkdtemp(join(tmpdir(), 'fleetctl-e2e-'));
    try {
      await mkdir(join(dir, 'home'));
      const agent = agentKeys.length === 0 ? undefined : await SshAgent.start(dir, agentKeys);
      return new FleetctlSeat(dir, agent);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get home(): string {
    return join(this.dir, 'home');
  }

  /** Environment that points fleetctl at the agent (empty without one). */
  get agentEnv(): Record<string, string> {
    return this.agent === undefined ? {} : { SSH_AUTH_SOCK: this.agent.socket };
  }

  /** Runs fleetctl from this seat (`SSH_AUTH_SOCK` is set when there is an agent). */
  fleetctl(args: readonly string[], opts: FleetctlRunOptions = {}): Promise<RunResult> {
    return runFleetctl(this.home, args, { ...opts, env: { ...this.agentEnv, ...opts.env } });
  }

  async dispose(): Promise<void> {
    try {
      await this.agent?.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/** The cells of each non-empty line of a fleetctl table (cells are separated by runs of tabs). */
export function tableCells(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(/\t+/));
}

/**
 * Where each cell of `line` starts on a terminal (tab stops every 8 columns), as Go's tabwriter
 * with tab padding aligns fleet's tables.
 */
export function cellStarts(line: string): number[] {
  const starts = [0];
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\t') {
      col = (Math.floor(col / 8) + 1) * 8;
      if (line[i + 1] !== '\t' && i + 1 < line.length) starts.push(col);
    } else col++;
  }
  return starts;
}
