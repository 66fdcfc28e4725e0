// FleetServer: the API's listeners. A unix socket (default /run/fleet.sock, mode 0660), an
// optional read-only unix socket, TCP listeners (TLS with client certificates, or plain on
// loopback) and the sockets systemd passed by socket activation, all serving one swappable
// handler through a guard (Host, Origin, role: see guard.ts).
import { chmod, chown } from 'node:fs/promises';
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { ApiHandler } from '../api.js';
import { silentLogger, systemClock, type Logger } from '@fleet/runtime';
import { activatedSockets, READ_SOCKET_NAME } from './activation.js';
import type { ListenerAddress, ListenOptions } from './listen-options.js';
import {
  allowedHostSet,
  guardedServer,
  InsecureListenerError,
  isLoopbackHost,
  listenOn,
  type TcpListenOptions,
  type TlsOptions,
} from './listener.js';
import { DEFAULT_LIMITS, FailureLog, TLS_FAILURE_LOG_MS, type ApiLimits } from './limits.js';
import { rolesConfigured, type Role } from './roles.js';
import { removeStaleSocket } from './unix-socket.js';
import { endKeepAlive } from './keep-alive-end.js';

export type { ListenOptions, ListenerAddress } from './listen-options.js';
export {
  InsecureListenerError,
  type ReadSocketOptions,
  type TcpListenOptions,
  type TlsOptions,
} from './listener.js';

/** fleet's API socket. */
export const DEFAULT_SOCKET_PATH = '/run/fleet.sock';

/** How often a plain listener on a non-loopback address is logged again (hourly). */
export const INSECURE_WARNING_INTERVAL_MS = 3_600_000;

interface Listener {
  /** The server that listens (for an activated socket: a net.Server handing over connections). */
  readonly server: net.Server;
  /** The HTTP server serving its connections (the same object unless activated). */
  readonly http: http.Server;
  readonly address: ListenerAddress;
  readonly setTls: (tls: TlsOptions) => void;
  readonly connections: () => number;
  readonly tls: boolean;
  /** Plain HTTP on an address other machines can reach (the operator opted in). */
  readonly exposed: boolean;
}

function closeServer(l: Listener): Promise<void> {
  return new Promise((resolve) => {
    let stopSweep = () => {};
    l.server.close(() => {
      stopSweep();
      resolve();
    });
    stopSweep = endKeepAlive(l.http);
  });
}

function describe(server: net.Server): string {
  const a = server.address();
  if (a === null) return 'unknown';
  if (typeof a === 'string') return a;
  return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}

/**
 * Every listener of one fleetd. Requests go to the current handler, which can be swapped (a
 * SIGHUP reload builds a new API and keeps the listeners).
 */
export class FleetServer {
  private handler: ApiHandler;
  private readonly listeners: Listener[] = [];
  private closing: Promise<void> | undefined;
  private readonly allowedHosts: ReadonlySet<string>;
  private cancelWarning: (() => void) | undefined;
  private readonly limits: ApiLimits;
  private readonly inFlight = { n: 0 };
  private readonly tlsFailures: FailureLog;

  private constructor(
    handler: ApiHandler,
    private readonly opts: ListenOptions,
    private readonly logger: Logger,
  ) {
    this.handler = handler;
    this.allowedHosts = allowedHostSet(opts.allowedHosts);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.tlsFailures = new FailureLog(
      opts.clock ?? systemClock,
      TLS_FAILURE_LOG_MS,
      (count, last) =>
        logger.warn({ count, lastError: last }, 'TLS handshakes with API clients failed'),
    );
  }

  /**
   * Opens every listener (systemd's sockets, the unix sockets, TCP/TLS). If one fails, the ones
   * already open are closed and the error is thrown.
   * @throws InsecureListenerError for a plain listener on a non-loopback address without
   * `insecure`
   */
  static async listen(handler: ApiHandler, opts: ListenOptions = {}): Promise<FleetServer> {
    const server = new FleetServer(handler, opts, opts.logger ?? silentLogger);
    try {
      const fds = opts.activation === false ? [] : activatedSockets(opts.activation);
      for (const { fd, name } of fds)
        await server.openActivated(fd, name === READ_SOCKET_NAME ? 'read' : 'admin');
      const unixPath =
        opts.unixSocket === undefined
          ? fds.length > 0
            ? null
            : DEFAULT_SOCKET_PATH
          : opts.unixSocket;
      if (unixPath !== null) await server.openUnix(unixPath, opts.socketMode ?? 0o660, 'admin');
      if (opts.readSocket !== undefined) {
        const { path, mode, gid } = opts.readSocket;
        await server.openUnix(path, mode ?? 0o660, 'read', gid);
      }
      for (const tcp of opts.tcp ?? []) await server.openTcp(tcp);
    } catch (err) {
      await server.close();
      throw err;
    }
    server.warnInsecure();
    const tls = [...(opts.tcp ?? []).map((t) => t.tls), opts.activatedTls];
    if (tls.some((t) => t !== undefined) && !tls.some((t) => rolesConfigured(t?.roles)))
      server.logger.warn(
        {},
        'API roles are not configured: every client certificate the CA signed is admin',
      );
    return server;
  }

  /** Where the listeners listen, in the order they were opened. */
  get addresses(): readonly ListenerAddress[] {
    return this.listeners.map((l) => l.address);
  }

  /** Open connections of each listener, in the order of {@link addresses}. */
  get connections(): number[] {
    return this.listeners.map((l) => l.connections());
  }

  /** Serves every later request with `handler`; in-flight requests finish with the old one. */
  setHandler(handler: ApiHandler): void {
    this.handler = handler;
  }

  /**
   * New TLS material (certificate, key, CA, CRL, roles) for every TLS listener: later handshakes
   * and requests use it, open connections keep their verified certificate.
   */
  setTls(tls: TlsOptions): void {
    for (const l of this.listeners) if (l.tls) l.setTls(tls);
  }

  /**
   * Stops every listener: no new connections, idle keep-alive connections closed, in-flight
   * requests allowed to finish. The unix socket file is removed. Idempotent.
   */
  close(): Promise<void> {
    this.cancelWarning?.();
    this.tlsFailures.close();
    this.closing ??= Promise.all(this.listeners.map(closeServer)).then(() => undefined);
    return this.closing;
  }

  /** Logs each plain listener on a non-loopback address, now and every hour. */
  private warnInsecure(): void {
    const open = this.listeners.filter((l) => l.exposed).map((l) => l.address);
    if (open.length === 0) return;
    const clock = this.opts.clock ?? systemClock;
    const warn = () => {
      this.logger.warn(
        { listeners: open },
        'the API is served WITHOUT authentication on a non-loopback address: anyone who can reach it can run anything as root on every machine',
      );
      this.cancelWarning = clock.setTimer(INSECURE_WARNING_INTERVAL_MS, warn);
    };
    warn();
  }

  /** Whether a plain listener on `host` is exposed; refuses it unless the operator opted in. */
  private checkPlain(host: string, shown: string): boolean {
    if (isLoopbackHost(host)) return false;
    if (this.opts.insecure !== true) throw new InsecureListenerError(shown);
    return true;
  }

  private guarded(tls: TlsOptions | undefined, role: Role) {
    const g = guardedServer(() => this.handler, {
      tls,
      role,
      allowedHosts: this.allowedHosts,
      limits: this.limits,
      inFlight: this.inFlight,
    });
    g.server.on('tlsClientError', (err: Error) => this.tlsFailures.failed(err.message));
    return { ...g, connections: () => g.cap.size };
  }

  private add(listener: Listener): void {
    this.listeners.push(listener);
    this.logger.debug({ address: listener.address }, 'API listening');
  }

  /**
   * A socket systemd passed: a unix socket stays plain (admin, as the default socket, or read if
   * its unit named it `read`); a TCP socket gets TLS when it is configured, and is checked as a
   * TCP listener otherwise.
   */
  private async openActivated(fd: number, role: Role): Promise<void> {
    const outer = net.createServer();
    await listenOn(outer, { fd });
    const a = outer.address();
    const tcp = a !== null && typeof a !== 'string' ? a : undefined;
    const tls = tcp === undefined ? undefined : this.opts.activatedTls;
    const address = describe(outer);
    let exposed = false;
    if (tcp !== undefined && tls === undefined) {
      try {
        exposed = this.checkPlain(tcp.address, address);
      } catch (err) {
        await new Promise((r) => outer.close(r));
        throw err;
      }
    }
    const g = this.guarded(tls, role);
    outer.on('connection', (socket: net.Socket) => g.server.emit('connection', socket));
    // node:http tracks its connections (idle close, timeouts) from its 'listening' event.
    g.server.emit('listening');
    this.add({
      server: outer,
      http: g.server,
      address: {
        kind: 'activated',
        fd,
        address,
        tls: tls !== undefined,
        ...(role === 'read' ? { role } : {}),
      },
      setTls: g.setTls,
      connections: g.connections,
      tls: tls !== undefined,
      exposed,
    });
  }

  private async openUnix(path: string, mode: number, role: Role, gid?: number): Promise<void> {
    await removeStaleSocket(path);
    const g = this.guarded(undefined, role);
    await listenOn(g.server, { path });
    this.add({
      server: g.server,
      http: g.server,
      address: { kind: 'unix', path, ...(role === 'read' ? { role } : {}) },
      setTls: g.setTls,
      connections: g.connections,
      tls: false,
      exposed: false,
    });
    if (gid !== undefined) await chown(path, -1, gid);
    await chmod(path, mode);
  }

  private async openTcp(opts: TcpListenOptions): Promise<void> {
    const host = opts.host ?? '127.0.0.1';
    const exposed =
      opts.tls === undefined &&
      this.checkPlain(host, `${host.includes(':') ? `[${host}]` : host}:${opts.port}`);
    const g = this.guarded(opts.tls, 'admin');
    await listenOn(g.server, { host, port: opts.port });
    this.add({
      server: g.server,
      http: g.server,
      address: {
        kind: 'tcp',
        host,
        port: (g.server.address() as AddressInfo).port,
        tls: opts.tls !== undefined,
      },
      setTls: g.setTls,
      connections: g.connections,
      tls: opts.tls !== undefined,
      exposed,
    });
  }
}
