import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import {
  Agent,
  collectHealth,
  detectPublicIP,
  LaunchedFile,
  readMachineId,
  SessionFile,
} from '@fleet/agent';
import {
  createApi,
  DEFAULT_SOCKET_PATH,
  FleetServer,
  UNAVAILABLE_MESSAGE,
  type TcpListenOptions,
} from '@fleet/api';
import { Engine } from '@fleet/engine';
import { EtcdRegistry, type Registry } from '@fleet/registry';
import { systemClock, type Clock, type Logger } from '@fleet/runtime';
import { DbusSystemd, type Systemd } from '@fleet/systemd';
import { ConfigError, type FleetdConfig } from './config.js';
import { unitsDirectoryMessage, unitsDirectoryProblem } from './units-directory.js';
import { createMetrics } from './metrics.js';
import { logMonitorTriggered, watchHeartbeats } from './monitor.js';
import { VERSION } from './version.js';

/** Parts a test may supply instead of the real ones. */
export interface FleetdParts {
  readonly registry?: Registry;
  readonly systemd?: Systemd;
  readonly clock?: Clock;
}

/** How long a graceful stop may take before fleetd gives up waiting (fleet: 1 min). */
export const SHUTDOWN_TIMEOUT_MS = 60_000;

/**
 * One fleetd: the agent of this machine, an engine that acts while elected, and the HTTP API,
 * over one registry and one systemd connection. The only place that builds etcd clients, D-Bus
 * connections and listeners.
 */
export class Fleetd {
  private constructor(
    private config: FleetdConfig,
    private readonly log: Logger,
    readonly machineId: string,
    private readonly registry: Registry,
    private readonly systemd: Systemd,
    readonly agent: Agent,
    readonly engine: Engine | undefined,
    readonly server: FleetServer,
  ) {}

  /** Builds and starts everything; throws (with a one-line message) if it cannot. */
  static async start(config: FleetdConfig, log: Logger, parts: FleetdParts = {}): Promise<Fleetd> {
    const clock = parts.clock ?? systemClock;
    await checkRealUnitsDirectory(config.unitsDirectory);
    const machineId = await readMachineId(config.machineIdFile);
    const publicIP = config.publicIp !== '' ? config.publicIp : ((await detectPublicIP()) ?? '');
    if (publicIP === '')
      log.warn(
        {},
        'no public IP configured or found on a default route; fleetctl ssh will not reach this machine',
      );
    const registry =
      parts.registry ??
      new EtcdRegistry({
        endpoints: config.etcdServers,
        prefix: config.etcdKeyPrefix,
        requestTimeoutMs: Math.round(config.etcdRequestTimeout * 1000),
        ...(await etcdCredentials(config).catch((err: unknown) => {
          throw new Error(`cannot read the etcd TLS files: ${(err as Error).message}`);
        })),
        clock,
        report: (issue) => log.warn({ issue }, 'registry issue'),
      });
    let systemd: Systemd;
    try {
      systemd =
        parts.systemd ??
        (await DbusSystemd.connect({
          bus: config.systemdUser ? 'user' : 'system',
          unitsDir: config.unitsDirectory.replace(/\/+$/, ''),
          onBackgroundError: rateLimited(log, 'systemd connection trouble'),
        }));
    } catch (err) {
      await registry.close();
      throw new Error(`cannot reach systemd over D-Bus: ${(err as Error).message}`, { cause: err });
    }
    const agent = new Agent({
      // fleet's "Server monitor triggered" line when the machine's heartbeat fails.
      registry: watchHeartbeats(registry, clock, logMonitorTriggered(log)),
      systemd,
      machine: {
        id: machineId,
        publicIP,
        metadata: config.metadata,
        version: VERSION,
        capabilities: capabilities(config),
      },
      ttlSeconds: config.agentTtl,
      clock,
      logger: log,
      // Beside the units directory (/run/fleet by default: a tmpfs, forgotten at reboot).
      sessionStore: new SessionFile(sessionFilePath(config.unitsDirectory)),
      launchedStore: new LaunchedFile(launchedFilePath(config.unitsDirectory)),
      selfFence: config.agentSelfFence,
      // The agent reads no files itself: load, memory and disk come from /proc and statfs here.
      collectHealth,
    });
    const engine = config.disableEngine
      ? undefined
      : new Engine({
          registry,
          candidateId: machineId,
          clock,
          logger: log,
          reconcileIntervalMs: config.engineReconcileInterval * 1000,
          // A floor: the engine lengthens it to the longest agent TTL in the machine records.
          machineGraceMs: config.agentTtl * 1000,
        });
    const metrics = createMetrics(() => ({
      agent: agent.metrics,
      ...(engine ? { engine: engine.metrics } : {}),
    }));
    const handler = createApi({
      registry,
      version: VERSION,
      tokenLimit: config.tokenLimit,
      isReady: () => (agent.registered ? true : UNAVAILABLE_MESSAGE),
      metrics,
      logger: log.child({ component: 'api' }),
    });
    let server: FleetServer;
    try {
      server = await FleetServer.listen(handler, {
        // The default path is created only when systemd did not pass sockets (fleet.socket).
        ...(config.listenUnix === DEFAULT_SOCKET_PATH
          ? {}
          : { unixSocket: config.listenUnix === '' ? null : config.listenUnix }),
        tcp: await tcpListeners(config),
        logger: log.child({ component: 'api' }),
      });
    } catch (err) {
      await systemd.close();
      await registry.close();
      throw new Error(`cannot serve the API: ${(err as Error).message}`, { cause: err });
    }
    const d = new Fleetd(config, log, machineId, registry, systemd, agent, engine, server);
    agent.start();
    engine?.start();
    log.info(
      {
        machineId,
        publicIP,
        version: VERSION,
        listeners: server.addresses,
        engine: engine !== undefined,
      },
      'fleetd started',
    );
    return d;
  }

  /**
   * SIGHUP: applies what can change without reconnecting (metadata, public IP, log level) and
   * keeps the listeners; options that need a restart are named in a warning.
   */
  async reload(next: FleetdConfig, setLevel: (verbosity: number) => void): Promise<void> {
    this.log.info({}, 'Reloading configuration');
    const needRestart = (
      [
        'etcdServers',
        'etcdKeyPrefix',
        'agentTtl',
        'agentSelfFence',
        'unitsDirectory',
        'systemdUser',
        'disableEngine',
        'listenUnix',
        'listenTcp',
        'tokenLimit',
      ] as const
    ).filter((k) => JSON.stringify(this.config[k]) !== JSON.stringify(next[k]));
    if (needRestart.length > 0)
      this.log.warn({ options: needRestart }, 'these options take effect when fleetd restarts');
    setLevel(next.verbosity);
    const publicIP = next.publicIp !== '' ? next.publicIp : this.agent.machine.publicIP;
    await this.agent.updateMachine({ publicIP, metadata: next.metadata });
    this.config = next;
  }

  /**
   * SIGTERM: stops the engine (resigning), drains the agent unless `drain_on_shutdown=false`,
   * closes the listeners and connections. Never takes longer than a minute, even when etcd is
   * unreachable.
   */
  async stop(): Promise<void> {
    const work = (async () => {
      await this.engine
        ?.stop()
        .catch((err: unknown) => this.log.warn({ err }, 'engine stop failed'));
      await this.agent
        .stop({ drain: this.config.drainOnShutdown })
        .catch((err: unknown) => this.log.warn({ err }, 'agent stop failed'));
      await this.server.close().catch(() => undefined);
      await this.systemd.close().catch(() => undefined);
      await this.registry.close().catch(() => undefined);
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (r) => (timer = setTimeout(() => r('timeout'), SHUTDOWN_TIMEOUT_MS)),
    );
    const res = await Promise.race([work.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (res === 'timeout')
      this.log.error({}, 'shutdown did not finish within a minute; exiting anyway');
  }

  /** SIGUSR1: what this fleetd knows, as JSON-able data. */
  dumpState(): Record<string, unknown> {
    return {
      machineId: this.machineId,
      version: VERSION,
      agent: {
        registered: this.agent.registered,
        metrics: this.agent.metrics,
        launched: this.agent.launchedUnits(),
      },
      engine: this.engine
        ? { leader: this.engine.isLeader(), metrics: this.engine.metrics }
        : 'disabled',
      listeners: this.server.addresses,
    };
  }
}

function capabilities(config: FleetdConfig): string[] {
  return config.disableEngine ? ['DISABLE_ENGINE'] : [];
}

/**
 * The units directory through its symlinks must not be one of systemd's either (the config
 * checked the path as written). A directory that does not exist yet is created by fleetd.
 */
async function checkRealUnitsDirectory(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => undefined);
  const problem = real === undefined ? undefined : unitsDirectoryProblem(real);
  if (real !== undefined && problem !== undefined)
    throw new ConfigError(unitsDirectoryMessage(`${dir} -> ${real}`, problem));
}

/** etcd TLS and authentication as etcd3 takes them. */
export async function etcdCredentials(config: FleetdConfig) {
  const out: {
    credentials?: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer };
    auth?: { username: string; password: string };
  } = {};
  if (config.etcdCafile !== '' || config.etcdCertfile !== '') {
    out.credentials = {
      // A client certificate without etcd_cafile: etcd's certificate is checked against the
      // system's trusted CAs (an etcd with a public certificate).
      rootCertificate:
        config.etcdCafile !== ''
          ? await readFile(config.etcdCafile)
          : Buffer.from(rootCertificates.join('\n')),
      ...(config.etcdKeyfile !== '' ? { privateKey: await readFile(config.etcdKeyfile) } : {}),
      ...(config.etcdCertfile !== '' ? { certChain: await readFile(config.etcdCertfile) } : {}),
    };
  }
  if (config.etcdUsername !== '')
    out.auth = { username: config.etcdUsername, password: config.etcdPassword };
  return out;
}

async function tcpListeners(config: FleetdConfig): Promise<TcpListenOptions[]> {
  const tls =
    config.tlsCertFile === ''
      ? undefined
      : {
          cert: await readFile(config.tlsCertFile),
          key: await readFile(config.tlsKeyFile),
          ca: await readFile(config.tlsCaFile),
        };
  return config.listenTcp.map((hp) => {
    const i = hp.lastIndexOf(':');
    const host = hp.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
    return { host, port: Number(hp.slice(i + 1)), ...(tls ? { tls } : {}) };
  });
}

/** A background-error logger that says the same thing at most once a minute. */
function rateLimited(log: Logger, msg: string): (err: unknown) => void {
  let last = -Infinity;
  return (err) => {
    const now = performance.now();
    if (now - last < 60_000) return;
    last = now;
    log.warn({ err }, msg);
  };
}

/**
 * Where the agent records its machine session, so that the fleetd restarted after a crash takes
 * the machine over in place: `fleetd-session.json` beside the units directory.
 */
export function sessionFilePath(unitsDirectory: string): string {
  return join(dirname(unitsDirectory.replace(/\/+$/, '')), 'fleetd-session.json');
}

/**
 * Where the agent records the units it launched, so that the fleetd restarted after a crash still
 * stops one of them once it is set to loaded: `fleetd-launched.json` beside the session file.
 */
export function launchedFilePath(unitsDirectory: string): string {
  return join(dirname(unitsDirectory.replace(/\/+$/, '')), 'fleetd-launched.json');
}
