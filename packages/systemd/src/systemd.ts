// The Systemd port: everything fleet's agent asks of systemd, and nothing else. Two complete
// implementations (DbusSystemd, FakeSystemd) are held to one contract suite (contract/).

/** systemd's `LoadState` of a unit. */
export type LoadState =
  'stub' | 'loaded' | 'not-found' | 'bad-setting' | 'error' | 'merged' | 'masked';

/** systemd's `ActiveState` of a unit. */
export type ActiveState =
  'active' | 'reloading' | 'inactive' | 'failed' | 'activating' | 'deactivating' | 'maintenance';

/**
 * What systemd reports for one unit on this machine, the load/active/sub lines of
 * `systemctl status`, plus the hash of the unit's file in the units directory. The agent publishes
 * it, with the machine, as the registry's `UnitState` (fleet's UnitState).
 */
export interface SystemdUnitStatus {
  /** e.g. `loaded`, `not-found`. */
  readonly load: LoadState;
  /** e.g. `active`, `inactive`, `failed`. */
  readonly active: ActiveState;
  /** Type-specific, e.g. `running`, `dead`, `exited`, `listening`, `failed`, `start`. */
  readonly sub: string;
  /**
   * The type of the job systemd has queued or is running for the unit (`start`, `stop`,
   * `restart`, ...); absent when there is none. After {@link Systemd.start} resolves, a unit
   * without a `start` job has finished its start job: a service that ran and exited shows
   * `inactive`/`dead` with no job, one whose start is still waiting or running shows `start`.
   */
  readonly job?: string;
  /**
   * fleet's hash (`unitHash` of `@fleet/unit`) of the file in the units directory; absent when
   * there is no such file or it does not parse.
   */
  readonly hash?: string;
}

/** One unit whose state changed, with the state seen after the change. */
export interface UnitStatusChange {
  readonly name: string;
  readonly state: SystemdUnitStatus;
}

/** A unit file in the units directory. */
export interface UnitFileInfo {
  /** The file name, which is the unit name. */
  readonly name: string;
  /** fleet's hash of the content; absent if the file does not parse as a unit file. */
  readonly hash?: string;
}

/** One symlink systemd created or removed, as its unit-file calls report them. */
export interface UnitFileChange {
  /** `symlink` or `unlink` (systemd may report other kinds, e.g. `is-mask`). */
  readonly type: string;
  /** The symlink, e.g. `/run/systemd/system/multi-user.target.wants/web.service`. */
  readonly path: string;
  /** What it points to (`''` for `unlink`). */
  readonly destination: string;
}

/** The result of {@link Systemd.enable}. */
export interface EnableResult {
  /** Whether the unit file has `[Install]` information (WantedBy=, RequiredBy=, Alias=, Also=). */
  readonly carriesInstallInfo: boolean;
  /** The symlinks created; empty if it was already enabled. */
  readonly changes: readonly UnitFileChange[];
}

/** Called with the units whose state changed, in one batch per re-read. */
export type UnitChangeListener = (changes: readonly UnitStatusChange[]) => void;

/**
 * fleet's view of one machine's systemd. Unit files live in one units directory (default
 * `/run/fleet/units/`), which this object owns: nothing else may write there.
 *
 * Contracts common to every method:
 * - `name` is a unit name such as `web.service`; an invalid name is rejected with
 *   `SYSTEMD_INVALID_ARGS` before anything is done.
 * - Failures throw a {@link SystemdError} subclass, never anything else; every call that
 *   reaches systemd has a deadline, so none hangs. Retry exactly when `retryable` is true.
 * - After `close()`, every call throws `SYSTEMD_CLOSED`.
 */
export interface Systemd {
  /**
   * Writes `content` as the unit file `name` in the units directory (directory mode 0755, file
   * 0644), atomically: systemd sees the old file or the new one, never half of one. systemd
   * does not see it until {@link link} (and a {@link daemonReload} if it is loaded already).
   */
  writeUnit(name: string, content: string): Promise<void>;

  /** Removes the unit file `name` from the units directory; nothing if there is none. */
  removeUnit(name: string): Promise<void>;

  /**
   * The unit files in the units directory whose type fleet recognises (service, socket, timer,
   * path, device, mount, automount), sorted by name. Other files are ignored.
   */
  listUnitFiles(): Promise<UnitFileInfo[]>;

  /**
   * Links the unit file into systemd's runtime search path
   * (`LinkUnitFiles([path], runtime=true, force=true)`). The file must exist
   * (`SYSTEMD_NO_SUCH_UNIT` otherwise). Returns the symlinks created (none if linked already).
   */
  link(name: string): Promise<UnitFileChange[]>;

  /**
   * Enables the unit file at runtime (`EnableUnitFiles([path], runtime=true, force=true)`),
   * creating the `[Install]` symlinks (e.g. `multi-user.target.wants/`). It also links the file
   * if needed. Call it for units whose file has an `[Install]` section; enabling does not start.
   */
  enable(name: string): Promise<EnableResult>;

  /**
   * Removes the unit's runtime symlinks, its own link included
   * (`DisableUnitFiles([name], runtime=true)`). Succeeds if there is nothing to remove.
   */
  disable(name: string): Promise<UnitFileChange[]>;

  /** `daemon-reload`: systemd re-reads every unit file. Resolves when the reload is done. */
  daemonReload(): Promise<void>;

  /**
   * Which of `names` systemd holds in memory loaded from a file that has changed (or gone) since
   * (the unit's `NeedDaemonReload`): until a {@link daemonReload}, a start of one of them runs
   * what the old file said. A unit systemd does not hold (never used, garbage-collected once
   * inactive, or held as `not-found`) is not among them: systemd (≥ 246) reads a unit it does not
   * hold from disk when the unit is next used, and loads a `not-found` one again once a unit
   * directory changed (a {@link link} does), so a new file needs no reload. Sorted; never loads
   * a unit.
   */
  needDaemonReload(names: readonly string[]): Promise<string[]>;

  /**
   * Queues a start job (`StartUnit(name, "replace")`) and resolves once systemd accepted it;
   * the outcome shows in {@link unitStates} and {@link onChange}. Throws `SYSTEMD_NO_SUCH_UNIT`
   * if systemd has no such unit and `SYSTEMD_LOAD_FAILED` if its file is bad.
   */
  start(name: string): Promise<void>;

  /**
   * Queues a stop job (`StopUnit(name, "replace")`). Stopping a unit that is not loaded
   * succeeds: it is not running. A failed unit stays `failed` until {@link resetFailed}.
   */
  stop(name: string): Promise<void>;

  /**
   * Clears a unit's `failed` state (`ResetFailedUnit`). A unit that is not loaded ("Unit …
   * not loaded", `NoSuchUnit`) counts as success: there is nothing to reset.
   */
  resetFailed(name: string): Promise<void>;

  /**
   * The current state of each named unit, read in batched calls (`ListUnitsByNames`). Every
   * name gets an entry: one systemd does not know is `not-found`/`inactive`/`dead`.
   */
  unitStates(names: readonly string[]): Promise<Map<string, SystemdUnitStatus>>;

  /**
   * systemd's overall state (`SystemState`): `running`, `degraded` (some unit failed),
   * `starting`, `stopping`, `maintenance`, … — what an operator's `systemctl is-system-running`
   * says, reported in the machine's health.
   */
  systemState(): Promise<string>;

  /**
   * The type of the job systemd has queued or is running for the unit that process `pid` runs
   * in (`GetUnitByPID`, the unit's `Job`, the job's `JobType`): `restart` while `systemctl
   * restart` (or `try-restart`) stops that unit, `stop` at `systemctl stop` and at shutdown.
   * `undefined` when the unit has no job or the process is in no unit. How fleetd tells, on
   * SIGTERM, a restart from a stop. Throws `SYSTEMD_INVALID_ARGS` for a PID that is not a
   * positive integer.
   */
  jobOfProcess(pid: number): Promise<string | undefined>;

  /**
   * Adds units to the watched set: their state changes are reported to {@link onChange}
   * listeners. The first state read after `watch` is always reported. Watching a unit does
   * not load or start it.
   */
  watch(names: readonly string[]): void;

  /** Removes units from the watched set; nothing more is reported for them. */
  unwatch(names: readonly string[]): void;

  /**
   * Registers a listener for state changes of watched units. Signals from systemd are only
   * hints that trigger a batched re-read; a periodic re-read of every watched unit catches
   * whatever a lost signal missed. A listener sees each change once, in order per unit, and
   * only real changes (of load, active, sub or hash). Returns a function that unregisters it.
   */
  onChange(listener: UnitChangeListener): () => void;

  /**
   * Stops watching, rejects calls in flight with `SYSTEMD_CLOSED`, and disconnects, so nothing
   * keeps the process alive. Idempotent.
   */
  close(): Promise<void>;
}
