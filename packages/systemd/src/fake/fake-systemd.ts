// A complete in-memory systemd behind the Systemd port, held to the same contract suite as
// DbusSystemd. Cheap enough for one per simulated machine; deterministic with a ManualClock.
import { posix } from 'node:path';
import { systemClock, type Clock } from '@fleet/runtime';
import { contentHash } from '../content-hash.js';
import { SystemdNoSuchUnitError, SystemdUnavailableError, type SystemdError } from '../errors.js';
import { isRecognizedUnitName, requirePid, requireUnitName } from '../names.js';
import type {
  EnableResult,
  Systemd,
  UnitFileChange,
  UnitFileInfo,
  SystemdUnitStatus,
} from '../systemd.js';
import { DEFAULT_UNITS_DIR } from '../unit-directory.js';
import { WatchedSystemd } from '../watched-systemd.js';
import { carriesInstallInfo, fakeUnitConfig, type FakeUnitConfig } from './fake-config.js';
import { FakeJobs } from './fake-jobs.js';
import { FakeLinks } from './fake-links.js';
import { FakeRuntime, type DiskUnit, type FakeLatency } from './fake-runtime.js';

/** How a {@link FakeSystemd} behaves. Every field has a default. */
export interface FakeSystemdOptions {
  /**
   * Clock and timers (default: real ones; the same option as `DbusSystemdOptions.clock`). Pass a
   * `ManualClock` for deterministic tests.
   */
  clock?: Clock;
  /** The units directory whose paths `link`/`enable` use (default `/run/fleet/units`). */
  unitsDir?: string;
  /** Simulated latencies in milliseconds (defaults: start 10, stop 5, exit 5). */
  latency?: Partial<FakeLatency>;
  /** Every watched unit is re-read this often (default 1 s). */
  pollIntervalMs?: number;
  /** Hints arriving within this span share one re-read (default 5 ms). */
  coalesceMs?: number;
}

/** One call made on the fake, for tests that check what an agent did. */
export interface FakeCall {
  readonly method: string;
  readonly name?: string;
}

/**
 * systemd in memory: unit files, runtime links and `[Install]` links, units loaded on demand
 * and kept in memory only while not inactive, start/stop with latency, failures (a service
 * whose `ExecStart=` runs `false` fails, or {@link failNext}), and the change stream.
 * Test controls: {@link failNext}, {@link exit}, {@link putFile}, {@link setAvailable},
 * {@link dropSignals}, {@link calls}.
 */
export class FakeSystemd extends WatchedSystemd implements Systemd {
  private readonly files = new Map<string, string>();
  private readonly hashes = new Map<string, string | undefined>();
  private readonly links = new FakeLinks();
  private readonly runtime: FakeRuntime;
  private readonly unitsDir: string;
  private readonly log: FakeCall[] = [];
  private available = true;
  /** Test control: which unit a process runs in, and jobs the fake does not run (`restart`). */
  readonly jobs = new FakeJobs();
  private signalsDropped = false;

  constructor(opts: FakeSystemdOptions = {}) {
    const timers = opts.clock ?? systemClock;
    super({
      clock: timers,
      coalesceMs: opts.coalesceMs ?? 5,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
    });
    this.unitsDir = opts.unitsDir ?? DEFAULT_UNITS_DIR;
    this.runtime = new FakeRuntime({
      timers,
      latency: { start: 10, stop: 5, exit: 5, ...opts.latency },
      fromDisk: (name) => this.fromDisk(name),
      changed: (name) => {
        if (!this.signalsDropped) this.watcher.hint(name);
      },
    });
    this.watcher.start();
  }

  /**
   * fleet's hash of a unit file, remembered per content as the real units directory remembers
   * it per file (parsing and hashing every file on every state read made the fake, not the agent,
   * the cost of a thousand simulated machines).
   */
  private hashOf(content: string): string | undefined {
    if (this.hashes.has(content)) return this.hashes.get(content);
    const hash = contentHash(content);
    if (this.hashes.size >= 4096) this.hashes.clear();
    this.hashes.set(content, hash);
    return hash;
  }

  // ---- test controls ----

  /** The next start of `name` fails: the unit ends `failed`/`failed`. */
  failNext(name: string): void {
    this.runtime.failNext(name);
  }

  /** The main process of running service `name` exits with `status` (0: inactive, else failed). */
  exit(name: string, status: number): void {
    this.runtime.exited(name, status);
  }

  /** Puts any file into the units directory, bypassing name checks (e.g. `notes.txt`). */
  putFile(fileName: string, content: string): void {
    this.files.set(fileName, content);
  }

  /** While unavailable, every call that would go over D-Bus fails with `SYSTEMD_UNAVAILABLE`. */
  setAvailable(available: boolean): void {
    this.available = available;
    if (available) this.watcher.hintAll();
  }

  /** While dropped, state transitions send no hints: only the periodic re-read sees them. */
  dropSignals(dropped: boolean): void {
    this.signalsDropped = dropped;
  }

  /** Every call made so far, in order. */
  get calls(): readonly FakeCall[] {
    return this.log;
  }

  /** Whether `name` is linked into the runtime search path. */
  isLinked(name: string): boolean {
    return this.links.target(name) !== undefined;
  }

  /** Whether `name` has `[Install]` symlinks. */
  isEnabled(name: string): boolean {
    return this.links.installLinks(name).length > 0;
  }

  // ---- the port ----

  async writeUnit(name: string, content: string): Promise<void> {
    this.enter('writeUnit', name, false);
    this.files.set(name, content);
    this.watcher.hint(name);
  }

  async removeUnit(name: string): Promise<void> {
    this.enter('removeUnit', name, false);
    this.files.delete(name);
    this.watcher.hint(name);
  }

  async listUnitFiles(): Promise<UnitFileInfo[]> {
    this.enter('listUnitFiles', undefined, false);
    return [...this.files.keys()]
      .filter(isRecognizedUnitName)
      .sort()
      .map((name) => {
        const hash = this.hashOf(this.files.get(name) ?? '');
        return hash === undefined ? { name } : { name, hash };
      });
  }

  async link(name: string): Promise<UnitFileChange[]> {
    const operation = this.enter('link', name);
    this.requireFile(name, operation);
    const changes = this.links.link(name, this.pathOf(name));
    this.watcher.hint(name);
    return changes;
  }

  async enable(name: string): Promise<EnableResult> {
    const operation = this.enter('enable', name);
    const config = this.requireFile(name, operation);
    const changes = this.links.enable(name, this.pathOf(name), config);
    this.watcher.hint(name);
    return { carriesInstallInfo: carriesInstallInfo(config), changes };
  }

  async disable(name: string): Promise<UnitFileChange[]> {
    this.enter('disable', name);
    const changes = this.links.disable(name);
    this.watcher.hint(name);
    return changes;
  }

  async daemonReload(): Promise<void> {
    this.enter('daemonReload', undefined);
    this.runtime.reload();
    this.watcher.hintAll();
  }

  async needDaemonReload(names: readonly string[]): Promise<string[]> {
    this.enter('needDaemonReload', undefined);
    for (const name of names) requireUnitName(name, 'GetUnit');
    return [...new Set(names)].filter((n) => this.runtime.needsReload(n)).sort();
  }

  async start(name: string): Promise<void> {
    const operation = this.enter('start', name);
    this.runtime.start(name, operation);
    this.watcher.hint(name);
  }

  async stop(name: string): Promise<void> {
    this.enter('stop', name);
    this.runtime.stop(name);
    this.watcher.hint(name);
  }

  async resetFailed(name: string): Promise<void> {
    this.enter('resetFailed', name);
    this.runtime.resetFailed(name);
    this.watcher.hint(name);
  }

  async systemState(): Promise<string> {
    this.enter('systemState', undefined);
    return this.runtime.anyFailed() ? 'degraded' : 'running';
  }

  async jobOfProcess(pid: number): Promise<string | undefined> {
    this.enter('jobOfProcess', undefined);
    requirePid(pid, 'GetUnitByPID');
    const unit = this.jobs.unitOf(pid);
    return unit === undefined
      ? undefined
      : (this.jobs.queued(unit) ?? this.runtime.state(unit).job);
  }

  async unitStates(names: readonly string[]): Promise<Map<string, SystemdUnitStatus>> {
    this.enter('unitStates', undefined);
    for (const name of names) requireUnitName(name, 'ListUnitsByNames');
    const states = new Map<string, SystemdUnitStatus>();
    for (const name of names) {
      const { load, active, sub, job } = this.runtime.state(name);
      const content = this.files.get(name);
      const hash = content === undefined ? undefined : this.hashOf(content);
      states.set(name, {
        load,
        active,
        sub,
        ...(job === undefined ? {} : { job }),
        ...(hash === undefined ? {} : { hash }),
      });
    }
    return states;
  }

  async close(): Promise<void> {
    this.closeWatcher();
    this.runtime.stopAll();
  }

  // ---- internals ----

  /** Checks and records a call; `viaBus` calls fail while unavailable. Returns the operation. */
  private enter(method: string, name: string | undefined, viaBus = true): string {
    const operation = name === undefined ? method : `${method} ${name}`;
    this.checkOpen(operation, name);
    this.log.push(name === undefined ? { method } : { method, name });
    if (viaBus && !this.available) throw unavailable(operation);
    return operation;
  }

  private pathOf(name: string): string {
    return posix.join(this.unitsDir, name);
  }

  private requireFile(name: string, operation: string): FakeUnitConfig {
    const content = this.files.get(name);
    if (content === undefined) {
      throw new SystemdNoSuchUnitError(`Unit file ${this.pathOf(name)} does not exist.`, {
        operation,
        dbusName: 'org.freedesktop.systemd1.NoSuchUnit',
      });
    }
    return fakeUnitConfig(name, content);
  }

  /** The unit as systemd would load it now: through its link, from the file it points to. */
  private fromDisk(name: string): DiskUnit {
    const target = this.links.target(name);
    const file = target === undefined ? undefined : posix.relative(this.unitsDir, target);
    const content = file === undefined ? undefined : this.files.get(file);
    if (content === undefined) return { load: 'not-found', config: undefined, content };
    const config = fakeUnitConfig(name, content);
    return { load: config.load, config, content };
  }
}

function unavailable(operation: string): SystemdError {
  return new SystemdUnavailableError('the bus is unavailable (FakeSystemd.setAvailable(false))', {
    operation,
  });
}
