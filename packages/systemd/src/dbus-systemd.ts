// The Systemd port on D-Bus (dbus-next), with the mitigations dbus-next needs: a deadline on
// every call, a cap on calls in flight, two match rules for all signals, a health probe and
// reconnect, and signals used only as hints for batched re-reads.
import type { Message } from 'dbus-next';
import { systemClock, type Clock } from '@fleet/runtime';
import { resolveBusAddress, type BusKind } from './dbus/address.js';
import { ManagerClient } from './dbus/manager.js';
import { BusSession } from './dbus/session.js';
import { interpretSignal, MATCH_RULES } from './dbus/signals.js';
import { isSystemdError, type SystemdError } from './errors.js';
import { requirePid, requireUnitName } from './names.js';
import type {
  EnableResult,
  Systemd,
  UnitFileChange,
  UnitFileInfo,
  SystemdUnitStatus,
} from './systemd.js';
import { DEFAULT_UNITS_DIR, UnitDirectory } from './unit-directory.js';
import { WatchedSystemd } from './watched-systemd.js';

/** How a {@link DbusSystemd} connects and behaves. Every field has a default. */
export interface DbusSystemdOptions {
  /** The system bus (default), or the user's bus (fleet's `systemd_user`). */
  bus?: BusKind;
  /** An explicit D-Bus address, e.g. `unix:path=/proc/123/root/run/dbus/system_bus_socket`. */
  busAddress?: string;
  /** The units directory as systemd sees it (default `/run/fleet/units`). */
  unitsDir?: string;
  /**
   * Where systemd's `/` is as this process sees it (default `/`): unit files are written under
   * `filesRoot + unitsDir` while systemd is given `unitsDir` paths.
   */
  filesRoot?: string;
  /** Deadline of each call (default 10 s). */
  callTimeoutMs?: number;
  /** Deadline of `daemonReload` (default 60 s: a reload of many units takes a while). */
  reloadTimeoutMs?: number;
  /** Calls in flight at most (default 16; the system bus allows 128 pending replies). */
  maxPendingCalls?: number;
  /** Every watched unit is re-read this often (default 1 s). */
  pollIntervalMs?: number;
  /** Hints arriving within this span share one re-read (default 5 ms). */
  coalesceMs?: number;
  /** Health probe interval (default 5 s). */
  healthIntervalMs?: number;
  /** First reconnect delay (default 100 ms), doubling up to `reconnectMaxMs` (default 5 s), ±20 %. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** In [0, 1): the jitter of the reconnect delays (default Math.random). */
  random?: () => number;
  /** States are read in `ListUnitsByNames` calls of at most this many names (default 256). */
  batchSize?: number;
  /** Clock and timers (default: real ones); the same option as `FakeSystemdOptions.clock`. */
  clock?: Clock;
  /** Trouble in the background (lost connection, failed re-read), for the caller to log. */
  onBackgroundError?: (err: SystemdError) => void;
}

/**
 * The real systemd, over D-Bus. The constructor starts connecting at once; use
 * {@link DbusSystemd.connect} to wait for the first connection. Always `close()` it: an open bus
 * keeps the process alive.
 */
export class DbusSystemd extends WatchedSystemd implements Systemd {
  private readonly session: BusSession;
  private readonly manager: ManagerClient;
  private readonly files: UnitDirectory;
  private readonly reloadTimeoutMs: number;
  private readonly batchSize: number;

  constructor(opts: DbusSystemdOptions = {}) {
    const clock = opts.clock ?? systemClock;
    const report = opts.onBackgroundError ?? (() => undefined);
    super({
      clock,
      coalesceMs: opts.coalesceMs ?? 5,
      pollIntervalMs: opts.pollIntervalMs ?? 1_000,
      onError: (err) => {
        if (isSystemdError(err)) report(err);
      },
    });
    const callTimeoutMs = opts.callTimeoutMs ?? 10_000;
    this.reloadTimeoutMs = opts.reloadTimeoutMs ?? Math.max(60_000, callTimeoutMs);
    this.batchSize = opts.batchSize ?? 256;
    this.files = new UnitDirectory({
      unitsDir: opts.unitsDir ?? DEFAULT_UNITS_DIR,
      filesRoot: opts.filesRoot ?? '/',
    });
    this.session = new BusSession({
      address: resolveBusAddress(opts.bus ?? 'system', opts.busAddress),
      timers: clock,
      callTimeoutMs,
      maxPendingCalls: opts.maxPendingCalls ?? 16,
      healthIntervalMs: opts.healthIntervalMs ?? 5_000,
      reconnectInitialMs: opts.reconnectInitialMs ?? 100,
      reconnectMaxMs: opts.reconnectMaxMs ?? 5_000,
      ...(opts.random === undefined ? {} : { random: opts.random }),
      setup: async (call) => {
        for (const rule of MATCH_RULES) {
          await call('AddMatch', {
            destination: 'org.freedesktop.DBus',
            path: '/org/freedesktop/DBus',
            interface: 'org.freedesktop.DBus',
            member: 'AddMatch',
            signature: 's',
            body: [rule],
          });
        }
        await new ManagerClient(call).subscribe();
      },
      onSignal: (msg) => this.onSignal(msg),
      onConnected: () => this.watcher.hintAll(),
      onError: report,
    });
    this.manager = new ManagerClient((operation, spec, timeoutMs) =>
      this.session.call(operation, spec, timeoutMs),
    );
    this.session.start();
    this.watcher.start();
  }

  /**
   * Creates a DbusSystemd and waits for its first connection. Throws `SYSTEMD_UNAVAILABLE`
   * (and closes it) if there is none within `callTimeoutMs`.
   */
  static async connect(opts: DbusSystemdOptions = {}): Promise<DbusSystemd> {
    const systemd = new DbusSystemd(opts);
    try {
      await systemd.session.ready();
    } catch (err) {
      await systemd.close();
      throw err;
    }
    return systemd;
  }

  /** Whether the bus connection is up right now. */
  get connected(): boolean {
    return this.session.connected;
  }

  /** The unique bus name of the current connection (e.g. `:1.42`), for diagnostics. */
  get busName(): string | undefined {
    return this.session.uniqueName;
  }

  async writeUnit(name: string, content: string): Promise<void> {
    this.checkOpen(`write unit file ${name}`, name);
    await this.files.write(name, content);
    this.watcher.hint(name);
  }

  async removeUnit(name: string): Promise<void> {
    this.checkOpen(`remove unit file ${name}`, name);
    await this.files.remove(name);
    this.watcher.hint(name);
  }

  async listUnitFiles(): Promise<UnitFileInfo[]> {
    this.checkOpen('list unit files');
    return this.files.list();
  }

  async link(name: string): Promise<UnitFileChange[]> {
    this.checkOpen(`LinkUnitFiles ${name}`, name);
    const changes = await this.manager.linkUnitFiles([this.files.systemdPath(name)]);
    this.watcher.hint(name);
    return changes;
  }

  async enable(name: string): Promise<EnableResult> {
    this.checkOpen(`EnableUnitFiles ${name}`, name);
    const result = await this.manager.enableUnitFiles([this.files.systemdPath(name)]);
    this.watcher.hint(name);
    return result;
  }

  async disable(name: string): Promise<UnitFileChange[]> {
    this.checkOpen(`DisableUnitFiles ${name}`, name);
    const changes = await this.ignoringNoSuchUnit(this.manager.disableUnitFiles([name]), []);
    this.watcher.hint(name);
    return changes;
  }

  async daemonReload(): Promise<void> {
    this.checkOpen('Reload');
    await this.manager.reload(this.reloadTimeoutMs);
    this.watcher.hintAll();
  }

  async needDaemonReload(names: readonly string[]): Promise<string[]> {
    this.checkOpen('NeedDaemonReload');
    for (const name of names) requireUnitName(name, 'GetUnit');
    const unique = [...new Set(names)].sort();
    // Concurrent; the session caps the calls in flight.
    const stale = await Promise.all(
      unique.map(async (name) => {
        const path = await this.manager.getUnit(name);
        return path !== undefined && (await this.manager.needDaemonReload(name, path));
      }),
    );
    return unique.filter((_, i) => stale[i] === true);
  }

  async start(name: string): Promise<void> {
    this.checkOpen(`StartUnit ${name}`, name);
    await this.manager.startUnit(name);
    this.watcher.hint(name);
  }

  async stop(name: string): Promise<void> {
    this.checkOpen(`StopUnit ${name}`, name);
    await this.ignoringNoSuchUnit(this.manager.stopUnit(name), undefined);
    this.watcher.hint(name);
  }

  async resetFailed(name: string): Promise<void> {
    this.checkOpen(`ResetFailedUnit ${name}`, name);
    await this.ignoringNoSuchUnit(this.manager.resetFailedUnit(name), undefined);
    this.watcher.hint(name);
  }

  async systemState(): Promise<string> {
    this.checkOpen('Get SystemState');
    return this.manager.systemState();
  }

  async jobOfProcess(pid: number): Promise<string | undefined> {
    this.checkOpen(`GetUnitByPID ${pid}`);
    requirePid(pid, 'GetUnitByPID');
    return this.manager.jobOfProcess(pid);
  }

  async unitStates(names: readonly string[]): Promise<Map<string, SystemdUnitStatus>> {
    this.checkOpen('ListUnitsByNames');
    for (const name of names) requireUnitName(name, 'ListUnitsByNames');
    const unique = [...new Set(names)];
    const batches: string[][] = [];
    for (let i = 0; i < unique.length; i += this.batchSize) {
      batches.push(unique.slice(i, i + this.batchSize));
    }
    const listed = await Promise.all(batches.map((b) => this.manager.listUnitsByNames(b)));
    const bySystemd = new Map(listed.flat().map((unit) => [unit.name, unit]));
    const states = new Map<string, SystemdUnitStatus>();
    for (const name of unique) {
      const unit = bySystemd.get(name);
      const hash = await this.files.hash(name);
      const { load, active, sub } = unit ?? { load: 'not-found', active: 'inactive', sub: 'dead' };
      const job = unit?.job ?? '';
      states.set(name, {
        load,
        active,
        sub,
        ...(job === '' ? {} : { job }),
        ...(hash === undefined ? {} : { hash }),
      });
    }
    return states;
  }

  async close(): Promise<void> {
    if (this.closeWatcher()) this.session.close();
  }

  /** "Unit … not loaded" and "Unit file … does not exist" mean there is nothing to do. */
  private async ignoringNoSuchUnit<T>(call: Promise<T>, fallback: T): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (isSystemdError(err, 'SYSTEMD_NO_SUCH_UNIT')) return fallback;
      throw err;
    }
  }

  private onSignal(msg: Message): void {
    const hint = interpretSignal(msg);
    switch (hint.kind) {
      case 'unit':
        this.watcher.hint(hint.name);
        break;
      case 'all':
        this.watcher.hintAll();
        break;
      case 'unit-removed':
        if (this.watcher.lastState(hint.name)?.active !== 'inactive') {
          this.watcher.hint(hint.name);
        }
        break;
      case 'none':
        break;
    }
  }
}
