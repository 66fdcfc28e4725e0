#!/usr/bin/env node
// fleetd's entry point: configuration, logging, signals. Everything else is in Fleetd.
import { buildConfig, ConfigError, readConfFile } from './config.js';
import { parseArgs, USAGE } from './args.js';
import { Fleetd } from './daemon.js';
import { createLogger } from './log.js';
import { VERSION } from './version.js';

process.title = 'fleetd';

async function main(): Promise<number> {
  let inv;
  let built;
  try {
    inv = parseArgs(process.argv.slice(2));
    if (inv.kind === 'version') {
      process.stdout.write(`fleetd version ${VERSION}\n`);
      return 0;
    }
    if (inv.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    const file = await readConfFile(inv.configPath);
    built = buildConfig({ ...(file ? { file } : {}), env: process.env, flags: inv.flags });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`fleetd: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const log = createLogger(built.config.verbosity);
  for (const w of built.warnings) log.warn({}, w);
  let daemon: Fleetd;
  try {
    daemon = await Fleetd.start(built.config, log);
  } catch (err) {
    // An expected failure (no machine ID, etcd TLS files missing, no D-Bus, busy socket): one line.
    const message = (err as Error).message;
    log.fatal({ code: (err as { code?: string }).code }, message);
    if (!process.stdout.isTTY) process.stderr.write(`fleetd: ${message}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'fleetd stopping');
      void daemon.stop().then(() => {
        log.info({}, 'fleetd stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      void (async () => {
        try {
          const file = await readConfFile(inv.kind === 'run' ? inv.configPath : undefined);
          const next = buildConfig({
            ...(file ? { file } : {}),
            env: process.env,
            flags: inv.kind === 'run' ? inv.flags : {},
          });
          await daemon.reload(next.config, (v) => (log.level = v > 0 ? 'debug' : 'info'));
        } catch (err) {
          log.error({ err }, `configuration not reloaded: ${(err as Error).message}`);
        }
      })();
    });
    process.on('SIGUSR1', () => {
      process.stdout.write(JSON.stringify(daemon.dumpState()) + '\n');
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
