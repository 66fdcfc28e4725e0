// One fleetd: its parts built in order on a resource stack, started, reloaded and stopped.
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
  InsecureListenerError,
  UNAVAILABLE_MESSAGE,
} from '@fleet/api';
import type { Engine } from '@fleet/engine';
import { KvRegistry, type Registry } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { oneLine, rateLimited, systemClock, type Clock, type Logger } from '@fleet/runtime';
import { DbusSystemd, type Systemd } from '@fleet/systemd';
import { apiListenOptions, apiTls } from './api-listen.js';
import { RESTART_OPTIONS, type FleetdConfig } from './config.js';
import { buildEngine } from './engine-build.js';
import { eventSink } from './events.js';
import { ConfigError, EtcdTlsError, ListenError, MachineIdError, NoDbusError } from './errors.js';
import { createMetrics } from './metrics.js';
import { releaseAfterReboot } from './maintenance-release.js';
import { listenMetrics } from './metrics-listen.js';
import { logMonitorTriggered, watchHeartbeats } from './monitor.js';
import { ResourceStack } from './resources.js';
import type { ShutdownPlan } from './shutdown-plan.js';
import {
  checkRealUnitsDirectory,
  etcdCredentials,
  launchedFilePath,
  sessionFilePath,
} from './start-files.js';
import { VERSION } from './version.js';

/** Parts a test may supply instead of the real ones. */
export interface FleetdParts {
  readonly registry?: Registry;
  readonly systemd?: Systemd;
  readonly clock?: Clock;
}

/** How long a graceful stop may take before fleetd gives up waiting (fleet: 1 min). */
export const SHUTDOWN_TIMEOUT_MS = 60_000;
/** Background trouble of the systemd connection is logged at most this often. */
export const SYSTEMD_TROUBLE_LOG_MS = 60_000;

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
    /** What start() opened, closed in reverse by stop(): registry, systemd, listeners. */
    private readonly resources: ResourceStack,
    readonly agent: Agent,
    readonly engine: Engine | undefined,
    readonly server: FleetServer,
    private readonly systemd: Systemd,
  ) {}

  /**
   * Builds and starts everything; throws a FleetdError (one line) if it cannot, having closed
   * whatever it had opened (each part's close is pushed as the part is acquired).
   */
  static async start(config: FleetdConfig, log: Logger, parts: FleetdParts = {}): Promise<Fleetd> {
    const resources = new ResourceStack();
    try {
      return await Fleetd.build(config, log, parts, resources);
    } catch (err) {
      await resources.unwind();
      throw err;
    }
  }

  private static async build(
    config: FleetdConfig,
    log: Logger,
    parts: FleetdParts,
    resources: ResourceStack,
  ): Promise<Fleetd> {
    const clock = parts.clock ?? systemClock;
    await checkRealUnitsDirectory(config.unitsDirectory);
    const machineId = await readMachineId(config.machineIdFile).catch((err: unknown) => {
      throw new MachineIdError(oneLine(err), { cause: err });
    });
    const publicIP = config.publicIp !== '' ? config.publicIp : ((await detectPublicIP()) ?? '');
    if (publicIP === '')
      log.warn(
        {},
        'no public IP configured or found on a default route; fleetctl ssh will not reach this machine',
      );
    const metrics = createMetrics(VERSION);
    const registry = await resources.use(
      async () =>
        parts.registry ??
        new EtcdRegistry({
          endpoints: config.etcdServers,
          prefix: config.etcdKeyPrefix,
          requestTimeoutMs: Math.round(config.etcdRequestTimeout * 1000),
          ...(await etcdCredentials(config).catch((err: unknown) => {
            throw new EtcdTlsError(`cannot read the etcd TLS files: ${oneLine(err)}`, {
              cause: err,
            });
          })),
          clock,
          report: (issue) => log.warn({ issue }, 'registry issue'),
          onRequest: metrics.onRequest,
        }),
      (r) => r.close(),
    );
    const systemd = await resources.use(
      async () =>
        parts.systemd ??
        (await DbusSystemd.connect({
          bus: config.systemdUser ? 'user' : 'system',
          unitsDir: config.unitsDirectory.replace(/\/+$/, ''),
          clock,
          onBackgroundError: rateLimited(clock, SYSTEMD_TROUBLE_LOG_MS, (err: unknown) =>
            log.warn({ err }, 'systemd connection trouble'),
          ),
        }).catch((err: unknown) => {
          throw new NoDbusError(`cannot reach systemd over D-Bus: ${oneLine(err)}`, {
            cause: err,
          });
        })),
      (s) => s.close(),
    );
    const events = await eventSink(resources, registry, clock, log);
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
      events,
      // Beside the units directory (/run/fleet by default: a tmpfs, forgotten at reboot).
      sessionStore: new SessionFile(sessionFilePath(config.unitsDirectory)),
      launchedStore: new LaunchedFile(launchedFilePath(config.unitsDirectory)),
      selfFence: config.agentSelfFence,
      // The agent reads no files itself: load, memory and disk come from /proc and statfs here.
      collectHealth,
    });
    const engine = buildEngine(config, { registry, machineId, events, clock, log });
    metrics.attach({ agent: agent.metrics, ...(engine ? { engine: engine.metrics } : {}) });
    const handler = createApi({
      registry,
      // GETs stay answered while etcd elects a leader (from a member's own copy); writes wait.
      ...(registry instanceof KvRegistry ? { reads: registry.withStaleReads() } : {}),
      version: VERSION,
      machineId,
      tokenLimit: config.tokenLimit,
      isReady: () => (agent.registered ? true : UNAVAILABLE_MESSAGE),
      metrics: metrics.registry,
      logger: log.child({ component: 'api' }),
    });
    const server = await resources.use(
      async () => {
        try {
          return await FleetServer.listen(handler, {
            // The default path is created only when systemd did not pass sockets (fleet.socket).
            ...(config.listenUnix === DEFAULT_SOCKET_PATH
              ? {}
              : { unixSocket: config.listenUnix === '' ? null : config.listenUnix }),
            ...(await apiListenOptions(config, log.child({ component: 'api' }), clock)),
          });
        } catch (err) {
          if (err instanceof ConfigError) throw err;
          if (err instanceof InsecureListenerError)
            throw new ConfigError(
              `${err.message}: set tls_cert_file, tls_key_file and tls_ca_file, or insecure_listen_tcp=true`,
              { cause: err },
            );
          throw new ListenError(`cannot serve the API: ${oneLine(err)}`, { cause: err });
        }
      },
      (s) => s.close(),
    );
    const metricsAt = await listenMetrics(config.metricsListen, metrics.registry, log, resources);
    const d = new Fleetd(config, log, machineId, resources, agent, engine, server, systemd);
    agent.start();
    engine?.start();
    resources.push(releaseAfterReboot({ registry, machineId, agent, clock, log }));
    log.info(
      {
        machineId,
        publicIP,
        version: VERSION,
        listeners: server.addresses,
        ...(metricsAt === undefined ? {} : { metrics: metricsAt }),
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
    const needRestart = RESTART_OPTIONS.filter(
      (k) => JSON.stringify(this.config[k]) !== JSON.stringify(next[k]),
    );
    if (needRestart.length > 0)
      this.log.warn({ options: needRestart }, 'these options take effect when fleetd restarts');
    setLevel(next.verbosity);
    // A renewed certificate, a new CRL or new role lists apply to the next connections.
    try {
      const tls = await apiTls(next);
      if (tls !== undefined) this.server.setTls(tls);
    } catch (err) {
      this.log.error({ err }, `API TLS not reloaded: ${oneLine(err)}`);
    }
    const publicIP = next.publicIp !== '' ? next.publicIp : this.agent.machine.publicIP;
    await this.agent.updateMachine({ publicIP, metadata: next.metadata });
    this.config = next;
  }

  /** The type of the job systemd runs on this fleetd's own unit (`restart`, `stop`, …), if any. */
  ownJob(): Promise<string | undefined> {
    return this.systemd.jobOfProcess(process.pid);
  }

  /**
   * SIGTERM: stops the engine (resigning); hands the machine over to the next fleetd (a restart:
   * every unit stays) or drains the agent unless `drain_on_shutdown=false`; closes the listeners
   * and connections. Never takes longer than a minute, even when etcd is unreachable.
   */
  async stop(plan?: ShutdownPlan): Promise<void> {
    // A restart accepts no more API connections: they wait in fleet.socket for the next fleetd.
    if (plan?.kind === 'hand-over') void this.server.close();
    const work = (async () => {
      await this.engine
        ?.stop()
        .catch((err: unknown) => this.log.warn({ err }, 'engine stop failed'));
      await this.agent
        .stop(
          plan?.kind === 'hand-over'
            ? { handOverSeconds: plan.seconds }
            : { drain: this.config.drainOnShutdown },
        )
        .catch((err: unknown) => this.log.warn({ err }, 'agent stop failed'));
      // The listeners, then systemd, then the registry: the reverse of start().
      await this.resources.unwind();
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
