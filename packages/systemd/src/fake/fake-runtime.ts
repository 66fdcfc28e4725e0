// The fake's service manager: which units are in memory, their active/sub states, and how
// start, stop and failure move them along over (injected) time. It follows what systemd 252
// was seen doing: a unit stays in memory only while it is not inactive (a failed one until
// reset), and a unit not in memory is read afresh from disk on every look.
import type { Clock } from '@fleet/runtime';
import { SystemdLoadFailedError, SystemdNoSuchUnitError, type SystemdError } from '../errors.js';
import type { ActiveState, LoadState } from '../systemd.js';
import { activeSubState, type FakeUnitConfig } from './fake-config.js';

/** How long simulated things take, in clock milliseconds. */
export interface FakeLatency {
  /** From a start job to active (or failed). */
  readonly start: number;
  /** From a stop job to inactive. */
  readonly stop: number;
  /** How long a process that exits by itself (`/bin/false`, `/bin/true`) runs. */
  readonly exit: number;
}

/** What the runtime needs from the rest of the fake. */
export interface RuntimeHost {
  readonly timers: Clock;
  readonly latency: FakeLatency;
  /** The unit as its linked file is now: `undefined` config and content when not found. */
  fromDisk(name: string): DiskUnit;
  /** A unit's state changed (what PropertiesChanged would announce). */
  changed(name: string): void;
}

/** A unit's load, active and sub state. */
export interface RuntimeState {
  readonly load: LoadState;
  readonly active: ActiveState;
  readonly sub: string;
  /** The job in progress (`start` while activating, `stop` while deactivating), if any. */
  readonly job?: string;
}

/** A unit as systemd would load it from disk now. */
export interface DiskUnit {
  readonly load: LoadState;
  readonly config: FakeUnitConfig | undefined;
  /** The file's content (what a rewrite changes); `undefined` when not found. */
  readonly content: string | undefined;
}

interface LiveUnit {
  load: LoadState;
  config: FakeUnitConfig | undefined;
  /** The content the unit was loaded from: a file changed since needs a daemon-reload. */
  content: string | undefined;
  active: ActiveState;
  sub: string;
  job: string | undefined;
  cancel: (() => void) | undefined;
}

/** The units systemd holds in memory, and their transitions. */
export class FakeRuntime {
  private readonly live = new Map<string, LiveUnit>();
  private readonly failing = new Set<string>();

  constructor(private readonly host: RuntimeHost) {}

  state(name: string): RuntimeState {
    const unit = this.live.get(name);
    if (unit !== undefined) {
      const { load, active, sub, job } = unit;
      return job === undefined ? { load, active, sub } : { load, active, sub, job };
    }
    return { load: this.host.fromDisk(name).load, active: 'inactive', sub: 'dead' };
  }

  /**
   * `NeedDaemonReload`: the unit is in memory and its file changed (or went) since it was
   * loaded. A unit not in memory is read from disk when next used, so it never needs one.
   */
  needsReload(name: string): boolean {
    const unit = this.live.get(name);
    return unit !== undefined && this.host.fromDisk(name).content !== unit.content;
  }

  /** Whether any unit in memory is failed (systemd then says the system is `degraded`). */
  anyFailed(): boolean {
    for (const u of this.live.values()) if (u.active === 'failed') return true;
    return false;
  }

  /** The next start of `name` fails. */
  failNext(name: string): void {
    this.failing.add(name);
  }

  /** `StartUnit(name, "replace")`. */
  start(name: string, operation: string): void {
    const unit = this.live.get(name) ?? this.load(name);
    if (unit.load !== 'loaded' || unit.config === undefined)
      throw loadError(name, unit.load, operation);
    if (unit.active === 'active' || unit.active === 'activating' || unit.active === 'reloading') {
      return;
    }
    this.live.set(name, unit);
    const config = unit.config;
    const fails = this.failing.delete(name) || (isOneshot(config) && config.command === 'false');
    unit.job = 'start';
    this.move(name, unit, 'activating', 'start', this.host.latency.start, () => {
      unit.job = undefined;
      if (fails) return this.move(name, unit, 'failed', 'failed');
      if (isOneshot(config)) {
        return config.remainAfterExit
          ? this.move(name, unit, 'active', 'exited')
          : this.move(name, unit, 'inactive', 'dead');
      }
      const exit = config.command === 'false' ? 1 : config.command === 'true' ? 0 : undefined;
      if (exit === undefined || config.unitType !== 'service') {
        return this.move(name, unit, 'active', activeSubState(config));
      }
      this.move(name, unit, 'active', 'running', this.host.latency.exit, () =>
        this.exited(name, exit),
      );
    });
  }

  /** `StopUnit(name, "replace")`; a unit not in memory has nothing to stop. */
  stop(name: string): void {
    const unit = this.live.get(name);
    if (unit === undefined) return;
    if (unit.active === 'failed' || unit.active === 'inactive' || unit.active === 'deactivating') {
      return;
    }
    unit.job = 'stop';
    this.move(name, unit, 'deactivating', 'stop-sigterm', this.host.latency.stop, () => {
      unit.job = undefined;
      this.move(name, unit, 'inactive', 'dead');
    });
  }

  /** `ResetFailedUnit`; a unit not in memory or not failed is left alone. */
  resetFailed(name: string): void {
    const unit = this.live.get(name);
    if (unit?.active === 'failed') this.move(name, unit, 'inactive', 'dead');
  }

  /** The main process of a running service exits with `status`. */
  exited(name: string, status: number): void {
    const unit = this.live.get(name);
    if (unit === undefined || unit.active !== 'active' || unit.config?.unitType !== 'service') {
      return;
    }
    if (status === 0) this.move(name, unit, 'inactive', 'dead');
    else this.move(name, unit, 'failed', 'failed');
  }

  /** daemon-reload: units in memory take their file as it is now (or become not-found). */
  reload(): void {
    for (const [name, unit] of this.live) {
      const disk = this.host.fromDisk(name);
      unit.load = disk.load;
      unit.content = disk.content;
      if (disk.config !== undefined) unit.config = disk.config;
      this.host.changed(name);
    }
  }

  /** Cancels every pending transition (the fake is closing). */
  stopAll(): void {
    for (const unit of this.live.values()) unit.cancel?.();
  }

  private load(name: string): LiveUnit {
    const disk = this.host.fromDisk(name);
    return { ...disk, active: 'inactive', sub: 'dead', job: undefined, cancel: undefined };
  }

  /** Sets the state now and, after `delay`, runs `then` (unless another move comes first). */
  private move(
    name: string,
    unit: LiveUnit,
    active: ActiveState,
    sub: string,
    delay?: number,
    then?: () => void,
  ): void {
    unit.cancel?.();
    unit.cancel = undefined;
    // A job ends with the move it scheduled; a move made by anything else replaces it.
    if (delay === undefined) unit.job = undefined;
    unit.active = active;
    unit.sub = sub;
    if (active === 'inactive') this.live.delete(name); // garbage-collected
    this.host.changed(name);
    if (delay !== undefined && then !== undefined) {
      unit.cancel = this.host.timers.setTimer(delay, () => {
        unit.cancel = undefined;
        then();
      });
    }
  }
}

function isOneshot(config: FakeUnitConfig): boolean {
  return config.unitType === 'service' && config.serviceType === 'oneshot';
}

function loadError(name: string, load: LoadState, operation: string): SystemdError {
  if (load === 'not-found') {
    return new SystemdNoSuchUnitError(`Unit ${name} not found.`, {
      operation,
      dbusName: 'org.freedesktop.systemd1.NoSuchUnit',
    });
  }
  return new SystemdLoadFailedError(`Unit ${name} failed to load (${load}).`, {
    operation,
    dbusName: 'org.freedesktop.systemd1.LoadFailed',
  });
}
