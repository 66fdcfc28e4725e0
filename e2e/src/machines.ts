import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimAddresses, type AddressClaim } from './addresses.js';
import { CleanupGuard } from './guard.js';
import { NspawnMachine } from './machine.js';
import { preflight } from './preflight.js';
import { projectDir } from './project.js';
import { ensureRootfs } from './rootfs.js';
import { run, type RunResult } from './run.js';
import { generateSshKey, knownHostsLine, sshArgs, type SshKey } from './ssh-keys.js';

/** Options of {@link bootMachines}. */
export interface BootOptions {
  /** Deadline for each machine to finish booting (default 60 s). */
  bootTimeoutMs?: number;
  /** A rootfs to use instead of `ensureRootfs()`. */
  rootfs?: string;
  /** Bind the checkout and Node.js into the machines (default false; see MachineOptions). */
  bindProject?: boolean;
  /** Bind Node.js alone into the machines (default false; see MachineOptions). */
  bindNode?: boolean;
  /** Keep files across reboots and follow `systemctl reboot` (default false; see MachineOptions). */
  persistent?: boolean;
}

/**
 * Several machines booted for one test run, with an SSH client key that every machine accepts
 * for root and a known_hosts file listing every machine's host key at its address.
 */
export class Machines {
  private tornDown = false;

  private constructor(
    /** The machines, node1 first. */
    readonly list: readonly NspawnMachine[],
    /** The run's temporary directory (machine files, SSH keys); removed by `teardown()`. */
    readonly dir: string,
    readonly sshKey: SshKey,
    readonly knownHosts: string,
    private readonly guard: CleanupGuard,
    private readonly claim: AddressClaim,
  ) {}

  /** @internal Use {@link bootMachines}. */
  static async create(
    n: number,
    rootfs: string,
    binds: Pick<BootOptions, 'bindProject' | 'bindNode' | 'persistent'> = {},
  ): Promise<Machines> {
    const runId = randomBytes(3).toString('hex');
    const dir = await mkdtemp(join(tmpdir(), `fleet-e2e-${runId}-`));
    // Removes the run's files even if the test process dies without tearing down.
    const guard = CleanupGuard.arm(`run ${runId}`, `rm -rf '${dir}'`);
    let claim: AddressClaim | undefined;
    try {
      claim = await claimAddresses(n);
      const sshKey = await generateSshKey(dir, 'id_ed25519', `fleet-e2e-${runId}`);
      const list: NspawnMachine[] = [];
      for (let i = 1; i <= n; i++) {
        const stateDir = join(dir, `node${i}`);
        await mkdir(stateDir);
        list.push(
          await NspawnMachine.create({
            name: `node${i}`,
            index: i,
            address: claim.addresses[i - 1] ?? '',
            rootfs,
            stateDir,
            projectDir: projectDir(),
            bindProject: binds.bindProject ?? false,
            bindNode: binds.bindNode ?? false,
            persistent: binds.persistent ?? false,
            authorizedKeys: [sshKey.publicKey],
            runId,
          }),
        );
      }
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(
        knownHosts,
        list.map((m) => knownHostsLine(m.address, m.hostKey) + '\n').join(''),
      );
      return new Machines(list, dir, sshKey, knownHosts, guard, claim);
    } catch (err) {
      await claim?.release();
      await guard.release().catch(() => undefined);
      throw err;
    }
  }

  /** The machine called `name` (e.g. `node2`). */
  get(name: string): NspawnMachine {
    const m = this.list.find((x) => x.name === name);
    if (m === undefined) throw new Error(`no machine ${name} (have ${this.names().join(', ')})`);
    return m;
  }

  names(): string[] {
    return this.list.map((m) => m.name);
  }

  /** Runs a command on a machine over SSH as root (host key checked against `knownHosts`). */
  ssh(m: NspawnMachine, command: string, timeoutMs = 30_000): Promise<RunResult> {
    return run('ssh', [...sshArgs(m.address, this.sshKey.path, this.knownHosts), command], {
      timeoutMs,
    });
  }

  /**
   * Stops every machine (clean shutdown, SIGKILL fallback), kills whatever is left in their
   * cgroups and removes the run's directory. Safe to call twice and after a failed boot;
   * throws after cleaning everything if some part could not be cleaned.
   */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const results = await Promise.allSettled([
      ...this.list.map((m) => m.stop()),
      this.guard.release(),
      rm(this.dir, { recursive: true, force: true }),
    ]);
    await this.claim.release();
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length > 0) throw new AggregateError(errors, 'machine teardown failed');
  }
}

/**
 * Boots `n` machines (node1 … nodeN, sshd on free addresses 127.0.0.11, 127.0.0.12, …) in parallel from the cached
 * rootfs and waits until each has finished booting. Always pair with `teardown()` (in `afterAll`);
 * if booting fails, the machines already started are torn down before the error is thrown.
 */
export async function bootMachines(n: number, opts: BootOptions = {}): Promise<Machines> {
  await preflight();
  const rootfs = opts.rootfs ?? (await ensureRootfs());
  const machines = await Machines.create(n, rootfs, opts);
  const booted = await Promise.allSettled(
    machines.list.map(async (m) => {
      await m.boot();
      await m.waitBooted(opts.bootTimeoutMs ?? 60_000);
    }),
  );
  const failed = booted.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failed.length > 0) {
    await machines.teardown().catch(() => undefined);
    throw failed.length === 1 ? failed[0] : new AggregateError(failed, 'machines did not boot');
  }
  return machines;
}
