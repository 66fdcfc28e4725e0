// FleetServer: the API's listeners. A unix socket (default /run/fleet.sock, mode 0660), TCP
// listeners (optionally TLS with client-certificate verification) and the sockets systemd
// passed by socket activation, all serving one swappable handler.
import { chmod } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiHandler } from '../api.js';
import { silentLogger, type Logger } from '@fleet/runtime';
import { activationFds, type ActivationOptions } from './activation.js';
import { removeStaleSocket } from './unix-socket.js';

/** fleet's API socket. */
export const DEFAULT_SOCKET_PATH = '/run/fleet.sock';

/** PEM material of a TLS listener; clients must present a certificate signed by `ca`. */
export interface TlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca: string | Buffer;
}

/** A TCP listener. */
export interface TcpListenOptions {
  /** Default `127.0.0.1`. Use `0.0.0.0` or `::` to listen on every interface. */
  readonly host?: string;
  /** `0` picks a free port (see {@link FleetServer.addresses}). */
  readonly port: number;
  /** Serve HTTPS and require a client certificate signed by `tls.ca`. */
  readonly tls?: TlsOptions;
}

/** Options of {@link FleetServer.listen}. */
export interface ListenOptions {
  /**
   * The unix socket to create. Default: {@link DEFAULT_SOCKET_PATH}, unless systemd passed
   * sockets (then systemd owns the socket). `null`: no unix socket.
   */
  readonly unixSocket?: string | null;
  /** Mode of the unix socket file (default 0o660). */
  readonly socketMode?: number;
  /** TCP (and TLS) listeners, in addition to the others. */
  readonly tcp?: readonly TcpListenOptions[];
  /** Where to look for systemd's sockets; `false` to ignore them. Default: this process. */
  readonly activation?: ActivationOptions | false;
  readonly logger?: Logger;
}

/** Where a listener listens. */
export type ListenerAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls: boolean }
  | { readonly kind: 'activated'; readonly fd: number; readonly address: string };

interface Listener {
  readonly server: http.Server;
  readonly address: ListenerAddress;
}

function listenOn(
  server: http.Server,
  arg: { fd: number } | { path: string } | { host: string; port: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(arg, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

function describe(server: http.Server): string {
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

  private constructor(
    handler: ApiHandler,
    private readonly logger: Logger,
  ) {
    this.handler = handler;
  }

  /**
   * Opens every listener (systemd's sockets, the unix socket, TCP/TLS). If one fails, the ones
   * already open are closed and the error is thrown.
   */
  static async listen(handler: ApiHandler, opts: ListenOptions = {}): Promise<FleetServer> {
    const server = new FleetServer(handler, opts.logger ?? silentLogger);
    try {
      const fds = opts.activation === false ? [] : activationFds(opts.activation);
      for (const fd of fds) await server.openActivated(fd);
      const unixPath =
        opts.unixSocket === undefined
          ? fds.length > 0
            ? null
            : DEFAULT_SOCKET_PATH
          : opts.unixSocket;
      if (unixPath !== null) await server.openUnix(unixPath, opts.socketMode ?? 0o660);
      for (const tcp of opts.tcp ?? []) await server.openTcp(tcp);
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** Where the listeners listen, in the order they were opened. */
  get addresses(): readonly ListenerAddress[] {
    return this.listeners.map((l) => l.address);
  }

  /** Serves every later request with `handler`; in-flight requests finish with the old one. */
  setHandler(handler: ApiHandler): void {
    this.handler = handler;
  }

  /**
   * Stops every listener: no new connections, idle keep-alive connections closed, in-flight
   * requests allowed to finish. The unix socket file is removed. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.listeners.map((l) => closeServer(l.server))).then(
      () => undefined,
    );
    return this.closing;
  }

  private readonly dispatch = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.handler(req, res);
  };

  private async open(
    server: http.Server,
    arg: Parameters<typeof listenOn>[1],
    address: () => ListenerAddress,
  ): Promise<void> {
    await listenOn(server, arg);
    const listener = { server, address: address() };
    this.listeners.push(listener);
    this.logger.debug({ address: listener.address }, 'API listening');
  }

  private async openActivated(fd: number): Promise<void> {
    const server = http.createServer(this.dispatch);
    await this.open(server, { fd }, () => ({ kind: 'activated', fd, address: describe(server) }));
  }

  private async openUnix(path: string, mode: number): Promise<void> {
    await removeStaleSocket(path);
    const server = http.createServer(this.dispatch);
    await this.open(server, { path }, () => ({ kind: 'unix', path }));
    await chmod(path, mode);
  }

  private async openTcp(opts: TcpListenOptions): Promise<void> {
    const host = opts.host ?? '127.0.0.1';
    const server: http.Server =
      opts.tls === undefined
        ? http.createServer(this.dispatch)
        : https.createServer(
            {
              key: opts.tls.key,
              cert: opts.tls.cert,
              ca: opts.tls.ca,
              requestCert: true,
              rejectUnauthorized: true,
            },
            this.dispatch,
          );
    server.on('tlsClientError', (err: Error) => {
      this.logger.warn({ err: err.message }, 'TLS handshake with an API client failed');
    });
    await this.open(server, { host, port: opts.port }, () => ({
      kind: 'tcp',
      host,
      port: (server.address() as AddressInfo).port,
      tls: opts.tls !== undefined,
    }));
  }
}
