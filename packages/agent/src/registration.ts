// The machine's membership: registering it under a lease (taking over a crashed predecessor's
// session), registering again when the session is lost, keeping its health current, and leaving.
// Errors decide the pace: an outage is waited out with a jittered backoff (logged once per TTL);
// a refusal that retrying cannot help is logged as an error and retried only at the slow pace.
import {
  isRegistryError,
  type AgentStore,
  type JsonValue,
  type MachineRecord,
  type MachineSession,
} from '@fleet/registry';
import {
  backoff,
  isRetryable,
  oneLine,
  rateLimited,
  type Clock,
  type Logger,
} from '@fleet/runtime';
import type { AgentMetrics, AgentOptions } from './agent-options.js';
import type { HealthSources } from './health.js';
import { healthWorthPublishing, type PublishedHealth } from './health-publish.js';
import type { StatePublisher } from './publisher.js';
import type { SessionStore } from './session-file.js';

/** Collects the health record of the machine. */
export type HealthCollector = (sources: HealthSources) => Promise<Record<string, JsonValue>>;

/**
 * The health an agent reports when fleetd supplies no collector: what it knows without reading
 * files (its version, uptime and systemd's state). fleetd passes `collectHealth`, which adds the
 * load, memory and disk from `/proc` and `statfs`.
 */
export async function basicHealth(src: HealthSources): Promise<Record<string, JsonValue>> {
  const h: Record<string, JsonValue> = {};
  if (src.systemState !== undefined) h.systemState = await src.systemState().catch(() => 'unknown');
  h.version = src.version;
  h.agentUptimeSeconds = Math.round((src.now() - src.startedAt) / 1000);
  return h;
}

/** What a {@link Registration} shares with the agent's other parts. */
export interface RegistrationDeps {
  /** In [0, 1): the jitter of the registration backoff. */
  readonly random: () => number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: AgentMetrics;
  readonly publisher: StatePublisher;
  /** Called when the session is lost before the agent stops: the loop registers again. */
  readonly onLost: () => void;
  /** Aborted when the agent stops: a session lost from then on is not registered again. */
  readonly signal: AbortSignal;
}

export class Registration {
  private readonly store: AgentStore;
  private readonly ttlSeconds: number;
  private readonly sessionStore: SessionStore | undefined;
  private readonly collectHealth: HealthCollector;
  private readonly systemState: () => Promise<string>;
  private current: MachineSession | undefined;
  private info: Omit<MachineRecord, 'health'>;
  private readonly startedAt: number;
  /** A record differing from the last one written only in gauges waits this long (ms). */
  private readonly healthMaxAgeMs: number;
  /** The health last written under the current session (undefined: write the next one). */
  private published: PublishedHealth | undefined;
  /** Failed registrations in a row, and whether the last one could be retried. */
  private failures = 0;
  private lastRetryable = true;
  /** Logs registry trouble at most once per TTL: an outage changes nothing here. */
  readonly outage: (err: unknown) => boolean;

  constructor(
    opts: AgentOptions,
    private readonly deps: RegistrationDeps,
  ) {
    this.store = opts.registry;
    this.ttlSeconds = opts.ttlSeconds ?? 30;
    this.sessionStore = opts.sessionStore;
    this.collectHealth = opts.collectHealth ?? basicHealth;
    this.systemState = opts.systemState ?? (() => opts.systemd.systemState());
    this.info = opts.machine;
    this.startedAt = deps.clock.now();
    this.healthMaxAgeMs = opts.healthMaxAgeMs ?? 600_000;
    this.outage = rateLimited(deps.clock, this.ttlSeconds * 1000, (err: unknown) =>
      deps.log.warn({ err }, 'registry unreachable; keeping units as they are'),
    );
  }

  /** The latest session (even a lost one), if any. */
  get session(): MachineSession | undefined {
    return this.current;
  }

  get machine(): Omit<MachineRecord, 'health'> {
    return this.info;
  }

  /** Registered under a live session. */
  get registered(): boolean {
    return this.current !== undefined && !this.current.signal.aborted;
  }

  /**
   * How long to wait before the next registration attempt: after an outage, 1 s doubling up to
   * `intervalMs` with ±20 % jitter (machines that lost etcd together do not return in step);
   * after a refusal that retrying cannot help, `intervalMs`.
   */
  retryDelay(intervalMs: number): number {
    if (!this.lastRetryable) return intervalMs;
    const policy = { initialMs: 1_000, maxMs: intervalMs, jitter: 0.2 };
    return Math.min(intervalMs, backoff(this.failures, policy, this.deps.random));
  }

  /** Changes what the machine record says and writes it now (with fresh health). */
  async update(patch: Partial<Omit<MachineRecord, 'health' | 'id'>>): Promise<void> {
    this.info = { ...this.info, ...patch };
    this.published = undefined; // the record changed: write it whatever the health says
    await this.refreshHealth();
  }

  /** Registers the machine; returns whether it is registered now. Never throws. */
  async register(): Promise<boolean> {
    const { store, sessionStore, ttlSeconds } = this;
    const { log } = this.deps;
    const id = this.info.id;
    try {
      const health = await this.health();
      const replacing = await sessionStore?.previous(id).catch(() => undefined);
      const session = await store.registerMachine(
        { ...this.info, health },
        ttlSeconds,
        replacing === undefined ? {} : { replacing },
      );
      if (replacing !== undefined)
        log.info({ previousLease: replacing }, 'took over the machine from the previous fleetd');
      // Recorded before `registered` turns true (the API opens then): killed before the save, a
      // successor would find no session to take over and wait out this lease's TTL.
      await sessionStore?.save(id, session.leaseId).catch((err: unknown) => {
        log.warn({ err }, 'could not record the machine session');
      });
      this.current = session;
      this.published = { health, at: this.deps.clock.monotonic() };
      this.failures = 0;
      this.lastRetryable = true;
      this.deps.metrics.registrations++;
      this.deps.publisher.useSession(session);
      session.signal.addEventListener('abort', () => {
        if (this.deps.signal.aborted) return;
        log.warn({}, 'machine session lost; registering again');
        this.deps.onLost();
      });
      log.info({ publicIP: this.info.publicIP }, 'machine registered');
      return true;
    } catch (err) {
      this.failures++;
      this.lastRetryable = isRetryable(err);
      if (isRegistryError(err, 'REGISTRY_MACHINE_EXISTS'))
        log.error({ err }, `machine ID ${id} is already registered by a live fleetd; retrying`);
      else if (this.lastRetryable) this.outage(err);
      else log.error({ err }, `the registry refused the machine: ${oneLine(err)}`);
      return false;
    }
  }

  /**
   * Writes the machine record with fresh health if it is worth a put (see health-publish.ts);
   * registry trouble is logged as an outage.
   */
  async refreshHealth(): Promise<void> {
    const s = this.current;
    if (s === undefined) return;
    try {
      const health = await this.health();
      const now = this.deps.clock.monotonic();
      if (!healthWorthPublishing(this.published, health, now, this.healthMaxAgeMs)) return;
      await s.update({ ...this.info, health });
      if (s === this.current) this.published = { health, at: now };
    } catch (err) {
      this.outage(err);
    }
  }

  /** Stops renewing the lease (the machine expires after its TTL); units keep running. */
  release(): void {
    this.current?.release();
  }

  /**
   * Hands the machine over to the next fleetd of this host (an in-place restart): its record and
   * unit states move to an unrenewed lease of `ttlSeconds`, recorded in the session file, which
   * the successor takes over at once; if none comes, the machine expires after `ttlSeconds`.
   * Returns whether it was handed over (otherwise the session is as it was). Never throws.
   */
  async handOver(ttlSeconds: number): Promise<boolean> {
    const s = this.current;
    if (s === undefined || s.signal.aborted) return false;
    let lease: string;
    try {
      lease = await s.handOver(ttlSeconds);
    } catch (err) {
      this.deps.log.warn({ err }, `could not hand the machine over: ${oneLine(err)}`);
      return false;
    }
    try {
      await this.sessionStore?.save(this.info.id, lease);
    } catch (err) {
      this.deps.log.warn(
        { err },
        `could not record the hand-over lease; the machine leaves the cluster in ${ttlSeconds} s unless fleetd is back`,
      );
    }
    this.deps.log.info({ lease, ttlSeconds }, 'machine handed over to the next fleetd');
    return true;
  }

  /**
   * Leaves the cluster at once: revokes the lease and forgets the session file. If the lease
   * cannot be revoked the file is kept, so that a restarted fleetd takes the machine over.
   */
  async leave(): Promise<void> {
    const left = await (this.current?.close() ?? Promise.resolve()).then(
      () => true,
      (err: unknown) => {
        this.deps.log.warn(
          { err },
          'could not revoke the machine lease; the session file is kept so that a restarted fleetd takes it over',
        );
        return false;
      },
    );
    // Forgotten only once the lease is gone: otherwise the next fleetd would wait out its TTL.
    if (left) await this.sessionStore?.clear().catch(() => undefined);
  }

  private health(): Promise<Record<string, JsonValue>> {
    return this.collectHealth({
      version: this.info.version,
      startedAt: this.startedAt,
      now: () => this.deps.clock.now(),
      systemState: this.systemState,
    });
  }
}
