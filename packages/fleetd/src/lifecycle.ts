// fleetd's life as a process: command line, configuration, logger, start, and the signals
// (TERM/INT stop, or hand over when its unit restarts; HUP reload, USR1 dump). main.ts runs it
// on the real machine; tests run it in a child process with a fake systemd (the only part that
// needs a system bus).
import { isFleetError, oneLine, type Logger } from '@fleet/runtime';
import { buildConfig, ConfigError, readConfFile } from './config.js';
import { parseArgs, USAGE } from './args.js';
import { Fleetd, type FleetdParts } from './daemon.js';
import { createLogger } from './log.js';
import { planShutdown, readNextStart } from './shutdown-plan.js';
import { VERSION } from './version.js';

export interface RunOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Parts to use instead of the real ones (tests). */
  readonly parts?: FleetdParts;
}

/**
 * The exit status of a configuration fleetd refuses (sysexits' EX_CONFIG). `units/fleet.service`
 * names it in `RestartPreventExitStatus=`, so systemd does not restart fleetd every 5 s with the
 * same bad configuration; fixing it and `systemctl restart fleet` starts it again.
 */
export const EXIT_CONFIG = 78;

/**
 * A start that failed (no machine ID, etcd TLS files missing, no D-Bus, busy socket, a units
 * directory that is systemd's): the log line carries the FleetdError's code, `stderr` (when the
 * log is not already on the terminal) gets the same one line, and the exit status is
 * {@link EXIT_CONFIG} for a refused configuration, else 1.
 */
export function startFailed(
  err: unknown,
  log: { fatal(fields: object, msg: string): void },
  stderr: { write(line: string): unknown } | undefined,
): number {
  const message = oneLine(err);
  log.fatal(isFleetError(err) ? { code: err.code } : {}, message);
  stderr?.write(`fleetd: ${message}\n`);
  return err instanceof ConfigError ? EXIT_CONFIG : 1;
}

/** How long fleetd asks systemd which job stops it before it takes the stop for a drain. */
export const OWN_JOB_TIMEOUT_MS = 5_000;

/** The job systemd runs on fleetd's own unit, or `undefined` (none, or systemd did not say). */
async function ownJob(daemon: Fleetd, log: Logger): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>(
    (r) => (timer = setTimeout(() => r(undefined), OWN_JOB_TIMEOUT_MS)),
  );
  const job = daemon.ownJob().catch((err: unknown) => {
    log.warn({ err }, `cannot tell a restart from a stop: ${oneLine(err)}`);
    return undefined;
  });
  const res = await Promise.race([job, late]);
  clearTimeout(timer);
  return res;
}

/**
 * Runs fleetd until a stop signal; resolves with the exit code. Bad configuration: one line,
 * {@link EXIT_CONFIG}; another failure to start: one line, 1.
 */
export async function runFleetd(opts: RunOptions): Promise<number> {
  let inv;
  let built;
  try {
    inv = parseArgs(opts.argv);
    if (inv.kind === 'version') {
      process.stdout.write(`fleetd version ${VERSION}\n`);
      return 0;
    }
    if (inv.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const file = await readConfFile(inv.configPath);
    built = buildConfig({ ...(file ? { file } : {}), env: opts.env, flags: inv.flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`fleetd: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    throw err;
  }
  const run = inv;
  const log = createLogger(built.config.verbosity);
  for (const w of built.warnings) log.warn({}, w);
  let daemon: Fleetd;
  try {
    daemon = await Fleetd.start(built.config, log, opts.parts);
  } catch (err) {
    return startFailed(err, log, process.stdout.isTTY ? undefined : process.stderr);
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        // A restart of fleet.service keeps every unit; a stop drains (see shutdown-plan.ts).
        const job = await ownJob(daemon, log);
        const next = job === undefined ? { error: 'not read' } : await readNextStart(nextConfig);
        const plan = planShutdown(job, { config: built.config, machineId: daemon.machineId }, next);
        if (plan.kind === 'hand-over')
          log.info(
            { signal, why: plan.why, handOverSeconds: plan.seconds },
            'fleetd restarting: units stay where they are, the machine is handed over to the next fleetd',
          );
        else log.info({ signal, why: plan.why }, 'fleetd stopping');
        await daemon.stop(plan);
        log.info({}, 'fleetd stopped');
        resolve(0);
      })();
    };
    const nextConfig = async () => {
      const file = await readConfFile(run.configPath);
      return buildConfig({ ...(file ? { file } : {}), env: opts.env, flags: run.flags }).config;
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      void (async () => {
        try {
          const file = await readConfFile(run.configPath);
          const next = buildConfig({ ...(file ? { file } : {}), env: opts.env, flags: run.flags });
          for (const w of next.warnings) log.warn({}, w);
          await daemon.reload(next.config, (v) => (log.level = v > 0 ? 'debug' : 'info'));
        } catch (err) {
          log.error({ err }, `configuration not reloaded: ${oneLine(err)}`);
        }
      })();
    });
    process.on('SIGUSR1', () => {
      process.stdout.write(JSON.stringify(daemon.dumpState()) + '\n');
    });
  });
}
