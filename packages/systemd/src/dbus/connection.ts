// One connection to a bus, on dbus-next, made safe: it reports when it is lost (dbus-next has
// no disconnect event), and closing it settles every call in flight (dbus-next never does).
import dbus from 'dbus-next';
import type { Message, MessageBus } from 'dbus-next';
import { type Clock, oneLine, systemClock } from '@fleet/runtime';
import { SystemdCallFailedError, SystemdUnavailableError, type SystemdError } from '../errors.js';
import { fromDbusError, isDbusErrorReply } from './error-map.js';

/** A method call, in D-Bus terms. */
export interface CallSpec {
  readonly destination: string;
  readonly path: string;
  readonly interface: string;
  readonly member: string;
  /** The D-Bus signature of `body`, e.g. `ss`. */
  readonly signature?: string;
  readonly body?: readonly unknown[];
}

/** What a connection reports. */
export interface ConnectionEvents {
  /** A signal arrived. Exceptions are caught (dbus-next would turn them into error replies). */
  onSignal(msg: Message): void;
  /** The connection broke; it has been closed and its calls rejected. */
  onLost(err: SystemdError): void;
}

interface StreamLike {
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

/** dbus-next keeps its socket private; we need it to notice a close and to free the fd. */
function streamOf(bus: MessageBus): StreamLike | undefined {
  return (bus as unknown as { _connection?: { stream?: StreamLike } })._connection?.stream;
}

/** A connected bus. Create with {@link BusConnection.open}. */
export class BusConnection {
  private readonly inFlight = new Set<(err: SystemdError) => void>();
  private closed = false;

  private constructor(
    private readonly bus: MessageBus,
    private readonly events: ConnectionEvents,
  ) {}

  /**
   * Connects to `address` and completes the D-Bus handshake (`Hello`). Rejects with
   * `SYSTEMD_UNAVAILABLE` if that fails or takes longer than `timeoutMs`, or with
   * `abort`'s reason when `abort` fires first; nothing is left open.
   */
  static open(
    address: string,
    timeoutMs: number,
    events: ConnectionEvents,
    timers: Clock = systemClock,
    abort?: AbortSignal,
  ): Promise<BusConnection> {
    const operation = `connect to ${address}`;
    return new Promise<BusConnection>((resolve, reject) => {
      let bus: MessageBus;
      try {
        bus = dbus.sessionBus({ busAddress: address });
      } catch (err) {
        reject(new SystemdUnavailableError(oneLine(err), { operation, cause: err }));
        return;
      }
      let connection: BusConnection | undefined;
      const fail = (err: SystemdError): void => {
        cancelTimer();
        destroy(bus);
        if (connection === undefined) reject(err);
        else connection.lose(err);
      };
      const cancelTimer = timers.setTimer(timeoutMs, () =>
        fail(new SystemdUnavailableError(`no handshake within ${timeoutMs} ms`, { operation })),
      );
      // Without a listener, an 'error' event would crash the process; keep it for good.
      bus.on('error', (err: unknown) =>
        fail(new SystemdUnavailableError(oneLine(err), { operation, cause: err })),
      );
      streamOf(bus)?.once('close', () =>
        fail(new SystemdUnavailableError('connection closed', { operation })),
      );
      bus.on('message', (msg: Message) => {
        if (connection === undefined || msg.type !== dbus.MessageType.SIGNAL) return;
        try {
          events.onSignal(msg);
        } catch {
          // a hint handler must not break message dispatch
        }
      });
      abort?.addEventListener('abort', () => fail(abort.reason as SystemdError), { once: true });
      bus.on('connect', () => {
        cancelTimer();
        connection = new BusConnection(bus, events);
        resolve(connection);
      });
    });
  }

  /** The connection's unique bus name, e.g. `:1.42`. */
  get uniqueName(): string | undefined {
    const name = (this.bus as unknown as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  }

  /**
   * Sends a method call and resolves with the reply body. Rejects with the mapped error for an
   * error reply, or `SYSTEMD_UNAVAILABLE` if the connection is closed or lost first. Has no
   * deadline of its own.
   */
  send(spec: CallSpec, operation: string): Promise<unknown[]> {
    if (this.closed) {
      return Promise.reject(new SystemdUnavailableError('not connected', { operation }));
    }
    return new Promise<unknown[]>((resolve, reject) => {
      const abandon = (err: SystemdError): void => reject(err);
      this.inFlight.add(abandon);
      const message = new dbus.Message({
        destination: spec.destination,
        path: spec.path,
        interface: spec.interface,
        member: spec.member,
        signature: spec.signature ?? '',
        body: [...(spec.body ?? [])],
      });
      this.bus.call(message).then(
        (reply) => {
          this.inFlight.delete(abandon);
          resolve(reply?.body ?? []);
        },
        (err: unknown) => {
          this.inFlight.delete(abandon);
          if (isDbusErrorReply(err)) reject(fromDbusError(err, operation));
          else if (this.closed) reject(new SystemdUnavailableError(oneLine(err), { operation }));
          else reject(new SystemdCallFailedError(oneLine(err), { operation, cause: err }));
        },
      );
    });
  }

  /** Closes the connection and rejects every call in flight with `reason`. Idempotent. */
  close(reason: SystemdError): void {
    if (this.closed) return;
    this.closed = true;
    destroy(this.bus);
    const abandoned = [...this.inFlight];
    this.inFlight.clear();
    for (const abandon of abandoned) abandon(reason);
  }

  private lose(err: SystemdError): void {
    if (this.closed) return;
    this.close(err);
    this.events.onLost(err);
  }
}

function destroy(bus: MessageBus): void {
  try {
    bus.disconnect();
  } catch {
    // already closed
  }
  streamOf(bus)?.destroy();
}
