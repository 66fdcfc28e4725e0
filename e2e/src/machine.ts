import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import {
  createMachineCgroup,
  joinCgroupScript,
  killAndRemoveCgroupScript,
  type MachineCgroup,
} from './cgroup.js';
import { consoleTail } from './console-text.js';
import { withDeadline } from './deadline.js';
import { CleanupGuard } from './guard.js';
import { writeMachineFiles, type MachineFiles } from './machine-files.js';
import { findContainerInit, isAlive, processId, type ProcessId } from './proc.js';
import { run, type RunResult } from './run.js';
import type { SshKey } from './ssh-keys.js';

/** How a machine is made. */
export interface MachineOptions {
  /** Short name and hostname, e.g. `node1`. */
  name: string;
  /** 1 to 99: the machine's number (node1 is 1). */
  index: number;
  /** The loopback address its sshd listens on, from `claimAddresses` (node1 → 127.0.0.11 usually). */
  address: string;
  /** A rootfs from `ensureRootfs()`; never written to (`--volatile=overlay`). */
  rootfs: string;
  /** An empty directory for this machine's own files. */
  stateDir: string;
  /** The checkout; bound into the machine only with `bindProject`. */
  projectDir: string;
  /**
   * Bind the checkout (at its path and at /opt/fleet) and this Node.js into the machine (default
   * false: a machine as a user's, with neither; fleet is installed from its .deb). Only for what
   * must run the checkout's own programs inside a machine (the cluster benchmark).
   */
  bindProject?: boolean;
  /**
   * Bind this Node.js at /usr/bin/node (default false), without the checkout: for probes that run
   * JavaScript of their own inside the machine (the sandbox test); fleet still comes from its .deb.
   */
  bindNode?: boolean;
  /**
   * Keep what is written inside across reboots (default false: a fresh tmpfs overlay per boot).
   * The overlay's upper layer is then `<stateDir>/upper` on the host, and a `systemctl reboot`
   * inside (systemd-nspawn exits 133) boots the machine again at once: same machine ID, same
   * files, fleetd started by systemd at boot as on a real host.
   */
  persistent?: boolean;
  /** Public keys that may log in as root over SSH. */
  authorizedKeys: readonly string[];
  /** Unique per test run: keeps nspawn machine names and cgroups of concurrent runs apart. */
  runId: string;
}

/** What `systemctl is-system-running` says once boot has finished. */
export type BootedState = 'running' | 'degraded';

/** The environment of commands run inside a machine. */
const INSIDE_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
};

/**
 * One machine: a full systemd (PID 1, D-Bus, journald, logind, sshd) booted in a systemd-nspawn
 * container from a shared read-only rootfs, with its own machine ID, hostname, cgroup and loopback
 * address, sharing the host's network. It can be booted again after `stop()` or `kill()`
 * (same identity; the overlay, and so everything written inside, is fresh).
 */
export class NspawnMachine {
  private proc: TrackedProcess | undefined;
  private init: ProcessId | undefined;
  private nspawn: ProcessId | undefined;
  private guard: CleanupGuard | undefined;
  private cgroup: MachineCgroup | undefined;
  /** Set by stop()/kill(), cleared by boot(): an exit then is no reboot to follow. */
  private down = false;
  private rebooting: Promise<void> | undefined;
  private bootCount = 0;
  /** The nspawn machine name: `name-runId`, unique on this host. */
  readonly machineName: string;
  /** The machine's own loopback address, its "public IP" (sshd listens there). */
  readonly address: string;

  private constructor(
    private readonly opts: MachineOptions,
    private readonly files: MachineFiles,
  ) {
    this.machineName = `${opts.name}-${opts.runId}`;
    this.address = opts.address;
  }

  /** Writes the machine's files (identity, SSH keys, sshd drop-in); does not boot it. */
  static async create(opts: MachineOptions): Promise<NspawnMachine> {
    if (!Number.isInteger(opts.index) || opts.index < 1 || opts.index > 99) {
      throw new Error(`machine index must be 1..99, not ${opts.index}`);
    }
    const files = await writeMachineFiles(opts.stateDir, opts);
    if (opts.persistent === true) await mkdir(join(opts.stateDir, 'upper'), { recursive: true });
    return new NspawnMachine(opts, files);
  }

  get name(): string {
    return this.opts.name;
  }
  /** The 32-hex-digit ID bound onto the machine's /etc/machine-id. */
  get machineId(): string {
    return this.files.machineId;
  }
  /** The SSH host key of the machine's sshd (for a known_hosts file). */
  get hostKey(): SshKey {
    return this.files.hostKey;
  }
  /** The systemd-nspawn process of the last boot. */
  get nspawnProcess(): ProcessId | undefined {
    return this.nspawn;
  }
  /** The container's PID 1 (systemd) as the host sees it, once booting has begun. */
  get initProcess(): ProcessId | undefined {
    return this.init;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** The container's console output (systemd's boot and shutdown messages), last `lines`. */
  console(lines = 40): string {
    return consoleTail(this.proc?.log() ?? '', lines);
  }

  /** How many times the machine has booted (a reboot from inside counts). */
  get boots(): number {
    return this.bootCount;
  }

  /** Starts systemd-nspawn and waits until the container's systemd runs (not until booted). */
  async boot(timeoutMs = 15_000): Promise<void> {
    if (this.running) throw new Error(`machine ${this.name} is already running`);
    this.down = false;
    await this.start(timeoutMs);
  }

  /**
   * A persistent machine's `systemctl reboot`: systemd-nspawn exits 133 (as systemd-nspawn@.service
   * restarts on, RestartForceExitStatus=133); boot it again on the same overlay.
   */
  private followReboot(proc: TrackedProcess): void {
    if (this.opts.persistent !== true) return;
    void proc.exited.then(({ code }) => {
      if (code !== 133 || this.down || this.proc !== proc) return;
      this.rebooting = (async () => {
        await this.cleanUp();
        if (!this.down) await this.start(15_000);
      })().catch((err: unknown) => {
        process.stderr.write(`machine ${this.name} did not come back: ${String(err)}\n`);
      });
    });
  }

  /** Waits until the machine has booted `count` times in all and finished booting. */
  async waitBoots(count: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => this.bootCount >= count && this.running, {
      timeoutMs,
      intervalMs: 100,
      what: `machine ${this.name} to boot ${count} times`,
    });
    await this.waitBooted(timeoutMs);
  }

  private async start(timeoutMs: number): Promise<void> {
    this.init = undefined;
    this.nspawn = undefined;
    const cg = await createMachineCgroup(`fleet-e2e-${this.machineName}`);
    this.cgroup = cg;
    this.guard = CleanupGuard.arm(
      `machine ${this.name}`,
      [
        killAndRemoveCgroupScript(cg),
        'status=$?',
        // nspawn removes this itself only when it exits cleanly.
        `rm -rf '/run/systemd/nspawn/propagate/${this.machineName}'`,
        'exit $status',
      ].join('\n'),
    );
    try {
      const proc = spawnTracked(`nspawn ${this.name}`, 'sh', [
        '-c',
        `${joinCgroupScript(cg)}; exec "$@"`,
        'sh',
        'systemd-nspawn',
        ...this.nspawnArgs(),
      ]);
      this.proc = proc;
      this.bootCount++;
      this.followReboot(proc);
      this.nspawn = await processId(proc.pid);
      const init = await waitFor(
        async () => (proc.running ? await findContainerInit(proc.pid) : 'exited'),
        { timeoutMs, intervalMs: 20, what: `systemd to start in machine ${this.name}` },
      );
      if (init === 'exited') throw new Error(`systemd-nspawn exited`);
      this.init = init;
    } catch (err) {
      const msg = `machine ${this.name} did not start: ${(err as Error).message}`;
      await this.stop(2_000).catch(() => undefined);
      throw new Error(`${msg}\n--- console\n${this.console(30)}`, { cause: err });
    }
  }

  private nspawnArgs(): string[] {
    const o = this.opts;
    return [
      `--directory=${o.rootfs}`,
      ...(o.persistent === true
        ? [`--overlay=${o.rootfs}:${o.stateDir}/upper:/`]
        : ['--volatile=overlay']),
      '--register=no',
      '--keep-unit',
      '--console=read-only',
      `--machine=${this.machineName}`,
      `--hostname=${o.name}`,
      ...this.files.binds.map((b) => `--bind-ro=${b}`),
      ...(o.bindNode === true || o.bindProject === true ? this.nodeBinds() : []),
      ...(o.bindProject === true
        ? [
            `--bind-ro=${o.projectDir}`,
            // Where units/fleet.service expects fleet, as on a machine installed from a checkout.
            `--bind-ro=${o.projectDir}:/opt/fleet`,
          ]
        : []),
      '--boot',
    ];
  }

  /**
   * The Node the tests run under (the project's Node 24, scripts/node24.sh), at its own path and as
   * the machine's `node` (the rootfs has none).
   */
  private nodeBinds(): string[] {
    return [
      `--bind-ro=${process.execPath}`,
      ...(process.execPath === '/usr/bin/node'
        ? []
        : [`--bind-ro=${process.execPath}:/usr/bin/node`]),
    ];
  }

  /** What of the host is bound into the machine besides its own files (see MachineOptions). */
  get binds(): { readonly node: boolean; readonly checkout: boolean } {
    const checkout = this.opts.bindProject === true;
    return { node: checkout || this.opts.bindNode === true, checkout };
  }

  /** Runs a command inside the machine (`nsenter -t INIT -a`), as root, with a clean environment. */
  async exec(
    command: string,
    args: readonly string[] = [],
    timeoutMs = 30_000,
  ): Promise<RunResult> {
    const init = this.init;
    if (init === undefined || !this.running) throw new Error(`machine ${this.name} is not running`);
    return run('nsenter', ['-t', String(init.pid), '-a', command, ...args], {
      timeoutMs,
      env: INSIDE_ENV,
    });
  }

  /** Waits until `systemctl is-system-running` says `running` or `degraded`. */
  async waitBooted(timeoutMs = 60_000): Promise<BootedState> {
    let last = '(no answer)';
    try {
      const state = await waitFor(
        async () => {
          if (!this.running) return 'exited';
          last = (await this.exec('systemctl', ['is-system-running'])).stdout.trim() || last;
          return last === 'running' || last === 'degraded' ? last : false;
        },
        { timeoutMs, intervalMs: 100, what: `machine ${this.name} to boot` },
      );
      if (state === 'exited') throw new Error('systemd-nspawn exited');
      return state;
    } catch (err) {
      const res = this.running
        ? await this.exec('systemctl', ['list-jobs', '--no-pager'], 5_000).catch(() => undefined)
        : undefined;
      const jobs = res === undefined ? undefined : `${res.stdout}${res.stderr}`.trim();
      throw new Error(
        `machine ${this.name} did not finish booting (last state: ${last}): ${(err as Error).message}\n` +
          `--- console\n${this.console(30)}\n--- jobs\n${jobs ?? '(unavailable)'}`,
        { cause: err },
      );
    }
  }

  /**
   * Clean shutdown: SIGTERM to systemd-nspawn (systemd shuts down, about a second), SIGKILL after
   * `graceMs`; then every process left in the machine's cgroup is killed and the cgroup removed.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.down = true;
    await this.rebooting;
    await this.proc?.stop(graceMs);
    await this.cleanUp();
  }

  /** Power cut: SIGKILL to the container's PID 1, which takes every process inside with it. */
  async kill(): Promise<void> {
    this.down = true;
    await this.rebooting;
    const init = this.init;
    if (init !== undefined && (await isAlive(init))) process.kill(init.pid, 'SIGKILL');
    const proc = this.proc;
    if (proc?.running) {
      await withDeadline(proc.exited, 10_000, `systemd-nspawn of ${this.name} to exit`).catch(() =>
        proc.kill(),
      );
    }
    await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    const guard = this.guard;
    this.guard = undefined;
    await guard?.release();
    if (this.init !== undefined && (await isAlive(this.init))) {
      throw new Error(`machine ${this.name}: its PID 1 (${this.init.pid}) survived the cleanup`);
    }
  }

  /** The machine's cgroup directories (while it exists), for checks that nothing is left. */
  get cgroupDirs(): readonly string[] {
    return this.cgroup?.dirs ?? [];
  }
}
