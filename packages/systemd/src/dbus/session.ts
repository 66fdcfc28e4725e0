// A bus connection that stays up: every call has a deadline and waits for a slot (at most
// `maxPendingCalls` in flight), a health probe notices a dead bus (dbus-next has no disconnect
// event), and a lost connection is replaced with backoff, set up again and announced.
import type { Message } from 'dbus-next';
import { backoff, type Clock } from '@fleet/runtime';
import {
  SystemdClosedError,
  SystemdTimeoutError,
  SystemdUnavailableError,
  type SystemdError,
} from '../errors.js';
import { BusConnection, type CallSpec } from './connection.js';
import { startDeadline, withDeadline } from './deadline.js';
import { Semaphore } from './semaphore.js';

/** Sends one call on a fresh connection during setup (no slot, with the call deadline). */
export type SetupCall = (operation: string, spec: CallSpec) => Promise<unknown[]>;

/** How a {@link BusSession} connects and behaves. */
export interface BusSessionOptions {
  readonly address: string;
  readonly timers: Clock;
  /** Deadline of each call, including the wait for a connection and a slot. */
  readonly callTimeoutMs: number;
  readonly maxPendingCalls: number;
  /** How often the health probe runs while connected. */
  readonly healthIntervalMs: number;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs`, each ±20 %. */
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  /** In [0, 1): the jitter of the reconnect delays (default Math.random). */
  readonly random?: () => number;
  /** Runs on every new connection before it is used (match rules, `Subscribe`). */
  setup(call: SetupCall): Promise<void>;
  /** A signal arrived. */
  onSignal(msg: Message): void;
  /** A connection is up and set up (the first one, or a replacement): resynchronise. */
  onConnected(): void;
  /** Background trouble: a failed connect, a lost connection. */
  onError(err: SystemdError): void;
}

type State = 'connecting' | 'up' | 'down' | 'closed';

/** The bus driver's `GetId`: answered by dbus-daemon itself, allowed by every policy. */
const HEALTH_PROBE: CallSpec = {
  destination: 'org.freedesktop.DBus',
  path: '/org/freedesktop/DBus',
  interface: 'org.freedesktop.DBus',
  member: 'GetId',
};

/** A self-healing connection to one bus. */
export class BusSession {
  private state: State = 'down';
  private connection: BusConnection | undefined;
  private lastError: SystemdError | undefined;
  private failures = 0;
  private cancelTimer: (() => void) | undefined;
  private readonly semaphore: Semaphore;
  /** Aborts the connection attempt in progress (on close). */
  private opening: AbortController | undefined;
  private readonly waiters = new Set<{
    readonly operation: string;
    resolve(conn: BusConnection): void;
    reject(err: SystemdError): void;
  }>();

  constructor(private readonly opts: BusSessionOptions) {
    this.semaphore = new Semaphore(opts.maxPendingCalls);
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.state === 'down' && this.cancelTimer === undefined) void this.connect();
  }

  /** Whether a connection is up. */
  get connected(): boolean {
    return this.state === 'up';
  }

  /** The unique bus name of the current connection, if connected. */
  get uniqueName(): string | undefined {
    return this.state === 'up' ? this.connection?.uniqueName : undefined;
  }

  /** Waits until connected, or rejects with `SYSTEMD_UNAVAILABLE` if the next attempt fails. */
  async ready(operation = 'connect'): Promise<void> {
    await withDeadline(this.opts.timers, this.opts.callTimeoutMs, this.current(operation), () =>
      this.notConnected(operation),
    );
  }

  /**
   * Calls a method and resolves with the reply body. Fails with a port error: the mapped error
   * reply, `SYSTEMD_TIMEOUT` after `timeoutMs`, `SYSTEMD_UNAVAILABLE` if there is no connection
   * (without waiting, unless one is being made), `SYSTEMD_CLOSED` after `close()`.
   */
  async call(
    operation: string,
    spec: CallSpec,
    timeoutMs = this.opts.callTimeoutMs,
  ): Promise<unknown[]> {
    const deadline = startDeadline(
      this.opts.timers,
      timeoutMs,
      () => new SystemdTimeoutError(`no reply within ${timeoutMs} ms`, { operation }),
    );
    try {
      const conn = await Promise.race([this.current(operation), deadline.expired]).catch(
        (err: unknown) => {
          throw err instanceof SystemdTimeoutError ? this.notConnected(operation) : err;
        },
      );
      const release = await this.semaphore.acquire(deadline.expired);
      const sent = conn.send(spec, operation);
      // The slot is held until the reply comes or the connection goes, not just until our
      // deadline: replies that never come still count against the bus's pending-reply limit.
      sent.then(release, release);
      return await Promise.race([sent, deadline.expired]);
    } finally {
      deadline.cancel();
    }
  }

  /** Disconnects for good; calls in flight and later fail with `SYSTEMD_CLOSED`. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const err = new SystemdClosedError('closed', { operation: 'close' });
    this.opening?.abort(err);
    this.opening = undefined;
    this.connection?.close(err);
    this.connection = undefined;
    this.settleWaiters(err);
  }

  private current(operation: string): Promise<BusConnection> {
    switch (this.state) {
      case 'up':
        if (this.connection !== undefined) return Promise.resolve(this.connection);
        break;
      case 'closed':
        return Promise.reject(new SystemdClosedError('closed', { operation }));
      case 'down':
        return Promise.reject(this.notConnected(operation));
      case 'connecting':
        break;
    }
    return new Promise<BusConnection>((resolve, reject) => {
      this.waiters.add({ operation, resolve, reject });
    });
  }

  private notConnected(operation: string): SystemdError {
    const detail = this.lastError === undefined ? '' : `: ${this.lastError.message}`;
    return new SystemdUnavailableError(`not connected to ${this.opts.address}${detail}`, {
      operation,
      cause: this.lastError,
    });
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    this.cancelTimer = undefined;
    const { timers, callTimeoutMs } = this.opts;
    let conn: BusConnection | undefined;
    const opening = new AbortController();
    this.opening = opening;
    try {
      conn = await BusConnection.open(
        this.opts.address,
        callTimeoutMs,
        {
          onSignal: (msg) => this.opts.onSignal(msg),
          onLost: (err) => this.lost(conn, err),
        },
        timers,
        opening.signal,
      );
      const opened = conn;
      await this.opts.setup((operation, spec) =>
        withDeadline(
          timers,
          callTimeoutMs,
          opened.send(spec, operation),
          () => new SystemdTimeoutError(`no reply within ${callTimeoutMs} ms`, { operation }),
        ),
      );
    } catch (err) {
      const error = err as SystemdError;
      conn?.close(error);
      if (this.isClosed()) return;
      this.down(error);
      return;
    } finally {
      if (this.opening === opening) this.opening = undefined;
    }
    if (this.isClosed()) {
      conn.close(new SystemdClosedError('closed', { operation: 'connect' }));
      return;
    }
    this.connection = conn;
    this.state = 'up';
    this.failures = 0;
    this.lastError = undefined;
    this.settleWaiters(conn);
    this.scheduleHealth(conn);
    this.opts.onConnected();
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private lost(conn: BusConnection | undefined, err: SystemdError): void {
    if (conn === undefined || conn !== this.connection || this.state !== 'up') return;
    this.connection = undefined;
    this.cancelTimer?.();
    this.down(err);
  }

  /** The connection attempt failed or the connection was lost: report, wait, try again. */
  private down(err: SystemdError): void {
    this.state = 'down';
    this.lastError = err;
    this.failures++;
    this.settleWaiters(undefined);
    this.opts.onError(err);
    const { reconnectInitialMs: initialMs, reconnectMaxMs: maxMs, random } = this.opts;
    // Jittered, so that the fleetds of a cluster whose buses all went at once do not return in step.
    const delay = backoff(this.failures, { initialMs, maxMs, jitter: 0.2 }, random);
    this.cancelTimer = this.opts.timers.setTimer(delay, () => void this.connect());
  }

  private scheduleHealth(conn: BusConnection): void {
    this.cancelTimer = this.opts.timers.setTimer(this.opts.healthIntervalMs, () => {
      void this.probe(conn);
    });
  }

  private async probe(conn: BusConnection): Promise<void> {
    this.cancelTimer = undefined;
    const operation = 'health probe (org.freedesktop.DBus.GetId)';
    const { timers, callTimeoutMs } = this.opts;
    try {
      await withDeadline(
        timers,
        callTimeoutMs,
        conn.send(HEALTH_PROBE, operation),
        () =>
          new SystemdTimeoutError(`bus did not answer within ${callTimeoutMs} ms`, { operation }),
      );
    } catch (err) {
      if (conn !== this.connection || this.state !== 'up') return;
      const error = err as SystemdError;
      if (error.dbusName === undefined) {
        // No answer at all: the bus is gone or wedged. An error *reply* still proves it alive.
        conn.close(error);
        this.lost(conn, error);
        return;
      }
    }
    if (conn === this.connection && this.state === 'up') this.scheduleHealth(conn);
  }

  /** Hands waiting calls the connection, or fails them: with `result`, or as not connected. */
  private settleWaiters(result: BusConnection | SystemdError | undefined): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) {
      if (result instanceof BusConnection) waiter.resolve(result);
      else waiter.reject(result ?? this.notConnected(waiter.operation));
    }
  }
}
