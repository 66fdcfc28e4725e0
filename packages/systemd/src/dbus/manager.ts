// systemd's Manager interface, the methods fleet uses: messages out, checked plain values in.
// D-Bus values are converted here (BigInt included), so nothing beyond this file sees them.
import { isSystemdError, SystemdCallFailedError } from '../errors.js';
import type { ActiveState, EnableResult, LoadState, UnitFileChange } from '../systemd.js';
import type { CallSpec } from './connection.js';

/** Sends a call and returns the reply body (with the session's deadline and slot). */
export type ManagerCall = (
  operation: string,
  spec: CallSpec,
  timeoutMs?: number,
) => Promise<unknown[]>;

export const SYSTEMD_BUS_NAME = 'org.freedesktop.systemd1';
export const MANAGER_PATH = '/org/freedesktop/systemd1';
export const MANAGER_INTERFACE = 'org.freedesktop.systemd1.Manager';
const UNIT_INTERFACE = 'org.freedesktop.systemd1.Unit';
const JOB_INTERFACE = 'org.freedesktop.systemd1.Job';
/** Errors of `GetUnitByPID` that mean the process is in no unit (or gone). */
const NO_UNIT_FOR_PID = new Set([
  'org.freedesktop.systemd1.NoUnitForPID',
  'org.freedesktop.DBus.Error.UnixProcessIdUnknown',
]);

/** An object that vanished between two calls (a unit unloaded, a job finished): nothing. */
function gone(err: unknown): undefined {
  if (isSystemdError(err) && GONE.has(err.dbusName ?? '')) return undefined;
  throw err;
}
const GONE = new Set([
  'org.freedesktop.DBus.Error.UnknownObject',
  'org.freedesktop.DBus.Error.UnknownMethod',
  'org.freedesktop.DBus.Error.UnknownInterface',
  'org.freedesktop.systemd1.NoSuchJob',
  'org.freedesktop.systemd1.NoSuchUnit',
]);

/** One row of `ListUnitsByNames`, the fields fleet uses. */
export interface ListedUnit {
  readonly name: string;
  readonly load: LoadState;
  readonly active: ActiveState;
  readonly sub: string;
  /** The type of the unit's queued or running job; `''` when there is none. */
  readonly job: string;
}

function manager(member: string, signature = '', body: readonly unknown[] = []): CallSpec {
  return {
    destination: SYSTEMD_BUS_NAME,
    path: MANAGER_PATH,
    interface: MANAGER_INTERFACE,
    member,
    signature,
    body,
  };
}

/** The Manager methods, typed. Every method throws only port errors. */
export class ManagerClient {
  constructor(private readonly call: ManagerCall) {}

  /** Signals (JobRemoved, UnitNew, …, unit PropertiesChanged) are sent only to subscribers. */
  async subscribe(): Promise<void> {
    await this.call('Subscribe', manager('Subscribe'));
  }

  async startUnit(name: string): Promise<void> {
    await this.call(`StartUnit ${name}`, manager('StartUnit', 'ss', [name, 'replace']));
  }

  async stopUnit(name: string): Promise<void> {
    await this.call(`StopUnit ${name}`, manager('StopUnit', 'ss', [name, 'replace']));
  }

  async resetFailedUnit(name: string): Promise<void> {
    await this.call(`ResetFailedUnit ${name}`, manager('ResetFailedUnit', 's', [name]));
  }

  /** The Manager's `SystemState` property. */
  async systemState(): Promise<string> {
    const operation = 'Get SystemState';
    const body = await this.call(operation, {
      destination: SYSTEMD_BUS_NAME,
      path: MANAGER_PATH,
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      signature: 'ss',
      body: [MANAGER_INTERFACE, 'SystemState'],
    });
    const v = body[0] as { value?: unknown } | undefined;
    if (typeof v?.value !== 'string') throw malformed(operation, 'SystemState');
    return v.value;
  }

  /**
   * The object path of the unit systemd holds as `name` (`GetUnit`, which loads nothing);
   * `undefined` if it holds none.
   */
  async getUnit(name: string): Promise<string | undefined> {
    const operation = `GetUnit ${name}`;
    try {
      const body = await this.call(operation, manager('GetUnit', 's', [name]));
      if (typeof body[0] !== 'string') throw malformed(operation, 'unit path');
      return body[0];
    } catch (err) {
      if (isSystemdError(err, 'SYSTEMD_NO_SUCH_UNIT')) return undefined;
      throw err;
    }
  }

  /**
   * The type of the job queued or running for the unit of process `pid` (`GetUnitByPID`, the
   * unit's `Job`, the job's `JobType`); `undefined` when the process is in no unit, or its unit
   * has no job (or the job finished between the calls).
   */
  async jobOfProcess(pid: number): Promise<string | undefined> {
    let unit: unknown;
    try {
      [unit] = await this.call(`GetUnitByPID ${pid}`, manager('GetUnitByPID', 'u', [pid]));
    } catch (err) {
      if (isSystemdError(err) && NO_UNIT_FOR_PID.has(err.dbusName ?? '')) return undefined;
      throw err;
    }
    if (typeof unit !== 'string') throw malformed(`GetUnitByPID ${pid}`, 'unit path');
    const job = await this.property(unit, UNIT_INTERFACE, 'Job').catch(gone);
    if (job === undefined) return undefined;
    const [id, path] = Array.isArray(job) ? job.map(plain) : [];
    if (typeof id !== 'number' || typeof path !== 'string') throw malformed('Get Job', 'Job');
    if (id === 0) return undefined;
    const type = await this.property(path, JOB_INTERFACE, 'JobType').catch(gone);
    if (type !== undefined && typeof type !== 'string') throw malformed('Get JobType', 'JobType');
    return type;
  }

  private async property(path: string, iface: string, name: string): Promise<unknown> {
    const body = await this.call(`Get ${name} ${path}`, {
      destination: SYSTEMD_BUS_NAME,
      path,
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      signature: 'ss',
      body: [iface, name],
    });
    return (body[0] as { value?: unknown } | undefined)?.value;
  }

  /** The unit's `NeedDaemonReload` property: its file changed since systemd loaded it. */
  async needDaemonReload(name: string, path: string): Promise<boolean> {
    const operation = `Get NeedDaemonReload ${name}`;
    const body = await this.call(operation, {
      destination: SYSTEMD_BUS_NAME,
      path,
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      signature: 'ss',
      body: [UNIT_INTERFACE, 'NeedDaemonReload'],
    });
    const v = body[0] as { value?: unknown } | undefined;
    if (typeof v?.value !== 'boolean') throw malformed(operation, 'NeedDaemonReload');
    return v.value;
  }

  async reload(timeoutMs: number): Promise<void> {
    await this.call('Reload', manager('Reload'), timeoutMs);
  }

  async linkUnitFiles(paths: readonly string[]): Promise<UnitFileChange[]> {
    const operation = `LinkUnitFiles ${paths.join(' ')}`;
    const body = await this.call(operation, manager('LinkUnitFiles', 'asbb', [paths, true, true]));
    return changes(body[0], operation);
  }

  async enableUnitFiles(paths: readonly string[]): Promise<EnableResult> {
    const operation = `EnableUnitFiles ${paths.join(' ')}`;
    const body = await this.call(
      operation,
      manager('EnableUnitFiles', 'asbb', [paths, true, true]),
    );
    const [carries, list] = body;
    if (typeof carries !== 'boolean') throw malformed(operation, 'carries_install_info');
    return { carriesInstallInfo: carries, changes: changes(list, operation) };
  }

  async disableUnitFiles(names: readonly string[]): Promise<UnitFileChange[]> {
    const operation = `DisableUnitFiles ${names.join(' ')}`;
    const body = await this.call(operation, manager('DisableUnitFiles', 'asb', [names, true]));
    return changes(body[0], operation);
  }

  /** `ListUnitsByNames` (systemd ≥ 230): loads each named unit as needed; skips invalid names. */
  async listUnitsByNames(names: readonly string[]): Promise<ListedUnit[]> {
    const operation = `ListUnitsByNames (${names.length} units)`;
    const body = await this.call(operation, manager('ListUnitsByNames', 'as', [names]));
    const rows = body[0];
    if (!Array.isArray(rows)) throw malformed(operation, 'unit list');
    return rows.map((row: unknown) => listedUnit(row, operation));
  }
}

function listedUnit(row: unknown, operation: string): ListedUnit {
  if (!Array.isArray(row)) throw malformed(operation, 'unit row');
  // (name, description, load, active, sub, following, path, job id, job type, job path)
  const [name, , load, active, sub, , , , job] = row.map(plain);
  if (
    typeof name !== 'string' ||
    typeof load !== 'string' ||
    typeof active !== 'string' ||
    typeof sub !== 'string'
  ) {
    throw malformed(operation, 'unit row');
  }
  const jobType = typeof job === 'string' ? job : '';
  return { name, load: load as LoadState, active: active as ActiveState, sub, job: jobType };
}

function changes(list: unknown, operation: string): UnitFileChange[] {
  if (!Array.isArray(list)) throw malformed(operation, 'changes');
  return list.map((entry: unknown) => {
    if (!Array.isArray(entry)) throw malformed(operation, 'change');
    const [type, path, destination] = entry.map(plain);
    if (typeof type !== 'string' || typeof path !== 'string' || typeof destination !== 'string') {
      throw malformed(operation, 'change');
    }
    return { type, path, destination };
  });
}

/** 64-bit integers arrive as BigInt; nothing past this file gets one. */
function plain(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
}

function malformed(operation: string, what: string): SystemdCallFailedError {
  return new SystemdCallFailedError(`malformed reply: bad ${what}`, { operation });
}
