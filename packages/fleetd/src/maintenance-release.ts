// fleetd's release of a maintenance slot after a reboot (docs/operating.md, "Coordinated
// maintenance"): an OS updater ran `fleetctl maintenance enter --wait && reboot`; when fleetd
// starts on a machine that holds a slot it took before this boot, it waits until it is registered
// and the units assigned to it are active (health checks passing), then uncordons and exits.
import { readFile } from 'node:fs/promises';
import { exitMaintenance, type MachineAdminPort } from '@fleet/api';
import type { Registry } from '@fleet/registry';
import { oneLine, type Clock, type Logger } from '@fleet/runtime';

/** What the release reads and writes. */
export type ReleaseStore = Pick<
  Registry,
  'getMaintenance' | 'exitMaintenance' | 'appendEvents' | 'listAssignments' | 'listUnitStates'
> &
  MachineAdminPort;

export interface ReleaseOptions {
  readonly registry: ReleaseStore;
  readonly machineId: string;
  /** Whether the agent is registered under a live session. */
  readonly registered: () => boolean;
  /** When this machine booted (ms since the epoch). */
  readonly bootedAt: () => Promise<number>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Between checks (default 1 s). */
  readonly intervalMs?: number;
}

/** Why the machine is not ready to leave maintenance, or undefined when it is. */
export async function notReady(
  registry: ReleaseStore,
  machineId: string,
  registered: boolean,
): Promise<string | undefined> {
  if (!registered) return 'not registered yet';
  const assigned = (await registry.listAssignments(machineId)).items.filter(
    (a) => a.desiredState === 'launched',
  );
  const states = new Map(
    (await registry.listUnitStates({ machineId })).items.map((s) => [s.unit, s]),
  );
  for (const a of assigned) {
    const s = states.get(a.unit);
    if (s?.activeState !== 'active') return `${a.unit} is ${s?.activeState ?? 'not reported'}`;
    if (s.health?.status === 'failing') return `${a.unit}'s health check is failing`;
  }
  return undefined;
}

/**
 * Runs until the slot is released, or found not to be this boot's to release (no slot, or one
 * taken after this boot: the machine has not rebooted since). Errors are logged and retried.
 * @returns a stop function.
 */
export function startMaintenanceRelease(opts: ReleaseOptions): () => void {
  const { registry, machineId, clock, log } = opts;
  const interval = opts.intervalMs ?? 1_000;
  let stopped = false;
  let cancel: (() => void) | undefined;
  let lastWhy = '';
  const step = async (): Promise<boolean> => {
    const m = await registry.getMaintenance();
    const mine = m.holders.find((h) => h.machineId === machineId);
    if (mine === undefined) return true;
    if (Date.parse(mine.since) >= (await opts.bootedAt())) return true;
    const why = await notReady(registry, machineId, opts.registered());
    if (why !== undefined) {
      if (why !== lastWhy) log.info({ machineId }, `maintenance: waiting to release (${why})`);
      lastWhy = why;
      return false;
    }
    await exitMaintenance(registry, machineId, 'after its reboot');
    log.info({ machineId }, 'maintenance: back and healthy after the reboot; released the slot');
    return true;
  };
  const loop = (): void => {
    if (stopped) return;
    step().then(
      (done) => {
        if (!done && !stopped) cancel = clock.setTimer(interval, loop);
      },
      (err: unknown) => {
        log.warn({ machineId }, `maintenance: cannot release yet: ${oneLine(err)}`);
        if (!stopped) cancel = clock.setTimer(interval, loop);
      },
    );
  };
  loop();
  return () => {
    stopped = true;
    cancel?.();
  };
}

/**
 * When this machine (or container) booted: the start time of PID 1, from /proc/1/stat (clock
 * ticks after the kernel's boot) and /proc/stat's `btime`. In a container, the container's boot.
 */
export async function bootTimeMs(): Promise<number> {
  const stat = await readFile('/proc/stat', 'utf8');
  const btime = Number(/^btime (\d+)$/m.exec(stat)?.[1]);
  const one = await readFile('/proc/1/stat', 'utf8');
  // Fields after the command (which may hold spaces) start at field 3; starttime is field 22.
  const fields = one.slice(one.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  if (!Number.isFinite(btime) || !Number.isFinite(ticks)) {
    throw new Error('cannot read the boot time from /proc');
  }
  return btime * 1000 + ticks * 10;
}

/** fleetd's wiring: the release with this machine's boot time; returns its stop function. */
export function releaseAfterReboot(o: {
  readonly registry: ReleaseStore;
  readonly machineId: string;
  readonly agent: { readonly registered: boolean };
  readonly clock: Clock;
  readonly log: Logger;
}): () => void {
  return startMaintenanceRelease({
    registry: o.registry,
    machineId: o.machineId,
    registered: () => o.agent.registered,
    bootedAt: bootTimeMs,
    clock: o.clock,
    log: o.log.child({ component: 'maintenance' }),
  });
}
