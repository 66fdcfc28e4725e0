// What a stop signal means: a restart of fleetd (`systemctl restart` or `try-restart`, a package
// upgrade) hands the machine over to the next fleetd and leaves every unit where it is; anything
// else (`systemctl stop`, poweroff, reboot, a signal from outside systemd) drains as
// `drain_on_shutdown` says, as fleet did. Asked of systemd: the job pending on fleetd's own unit.
import { readMachineId } from '@fleet/agent';
import { oneLine } from '@fleet/runtime';
import type { FleetdConfig } from './config.js';

/** The hand-over lease lives at least this long (s): a slow start must not lose the machine. */
export const MIN_HAND_OVER_SECONDS = 30;

/** systemd job types of fleetd's own unit after which systemd starts fleetd again at once. */
const RESTART_JOBS = new Set(['restart', 'try-restart']);

/** How fleetd ends, and why (logged). */
export type ShutdownPlan =
  | { readonly kind: 'hand-over'; readonly seconds: number; readonly why: string }
  | { readonly kind: 'stop'; readonly why: string };

/** What the next fleetd will start with: its configuration and machine ID, or why unknown. */
export type NextStart =
  { readonly config: FleetdConfig; readonly machineId: string } | { readonly error: string };

/** The options that make a fleetd the same machine of the same cluster with the same units. */
const SAME_MACHINE = ['etcdKeyPrefix', 'unitsDirectory', 'systemdUser'] as const;

/**
 * Decides how to end. `job` is the type of the job systemd runs on fleetd's unit (`undefined`:
 * none, or unknown). A restart hands over only if the next start is the same machine: same
 * machine ID, etcd key prefix, units directory and systemd instance.
 */
export function planShutdown(
  job: string | undefined,
  running: { readonly config: FleetdConfig; readonly machineId: string },
  next: NextStart,
): ShutdownPlan {
  if (job === undefined || !RESTART_JOBS.has(job))
    return { kind: 'stop', why: job === undefined ? 'no systemd job' : `systemd job ${job}` };
  if ('error' in next)
    return { kind: 'stop', why: `restart, but the next configuration is unusable: ${next.error}` };
  if (next.machineId !== running.machineId)
    return { kind: 'stop', why: `restart as another machine ID (${next.machineId})` };
  const changed = SAME_MACHINE.filter(
    (k) => JSON.stringify(running.config[k]) !== JSON.stringify(next.config[k]),
  );
  if (changed.length > 0)
    return { kind: 'stop', why: `restart with changed options: ${changed.join(', ')}` };
  return {
    kind: 'hand-over',
    seconds: Math.max(running.config.agentTtl, MIN_HAND_OVER_SECONDS),
    why: `systemd job ${job}`,
  };
}

/** The next start's configuration (read with `read`) and machine ID; never throws. */
export async function readNextStart(read: () => Promise<FleetdConfig>): Promise<NextStart> {
  try {
    const config = await read();
    return { config, machineId: await readMachineId(config.machineIdFile) };
  } catch (err) {
    return { error: oneLine(err) };
  }
}
