// One listener's HTTP server: plain or TLS with client certificates (and a CRL), and the guard
// each request passes before the API (Host, Origin, role), answered 403 in fleet's error shape.
import http from 'node:http';
import https from 'node:https';
import { isIP, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ApiHandler } from '../api.js';
import { errorBody } from '../errors.js';
import { jsonReply, writeReply } from '../http/reply.js';
import { guardProblem, normalizeHostName, type ListenerPolicy } from './guard.js';
import { BUSY_MESSAGE, ConnectionCap, serverTimeouts, type ApiLimits } from './limits.js';
import { certificateSubjects, roleOfCertificate, type Role, type RoleSubjects } from './roles.js';

/** PEM material of a TLS listener; clients must present a certificate signed by `ca`. */
export interface TlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca: string | Buffer;
  /** Certificate revocation lists (PEM): a revoked client certificate fails the handshake. */
  readonly crl?: string | Buffer;
  /** Roles by certificate subject; none configured: every certificate the CA signed is admin. */
  readonly roles?: RoleSubjects;
}

/** A TCP listener. */
export interface TcpListenOptions {
  /** Default `127.0.0.1`. `0.0.0.0` or `::` listen on every interface (TLS or `insecure`). */
  readonly host?: string;
  /** `0` picks a free port (see {@link FleetServer.addresses}). */
  readonly port: number;
  /** Serve HTTPS and require a client certificate signed by `tls.ca`. */
  readonly tls?: TlsOptions;
}

/** The read-only unix socket: its callers get the `read` role. */
export interface ReadSocketOptions {
  readonly path: string;
  /** Default 0o660. */
  readonly mode?: number;
  /** The socket file's group (whose members may read), if not the process's. */
  readonly gid?: number;
}

/** The refusal of a plain listener on an address other machines can reach. */
export class InsecureListenerError extends Error {
  constructor(readonly address: string) {
    super(`refusing to serve the API without TLS on ${address}, which is not a loopback address`);
    this.name = 'InsecureListenerError';
  }
}

/** Whether a listening host is reachable only from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = normalizeHostName(host.replace(/^\[|\]$/g, ''));
  if (h === 'localhost') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.exec(h);
  if (v4 !== null) return isIP(h.replace(/^::ffff:/, '')) === 4 && v4[1] === '127';
  return isIP(h) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h);
}

/** The host names a plain listener serves besides loopback and IP literals, normalised. */
export function allowedHostSet(names: readonly string[] | undefined): ReadonlySet<string> {
  return new Set((names ?? []).map(normalizeHostName));
}

/** A listener's server and how to change its TLS material. */
export interface GuardedServer {
  readonly server: http.Server;
  /** Its connections. */
  readonly cap: ConnectionCap;
  /** New certificate, key, CA, CRL and roles for the next handshakes and requests. */
  readonly setTls: (tls: TlsOptions) => void;
}

function secureContext(tls: TlsOptions) {
  return {
    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    ...(tls.crl !== undefined ? { crl: tls.crl } : {}),
  };
}

/**
 * Creates (without listening) the server of one listener. TLS servers require a client
 * certificate signed by the CA and not revoked; the role comes from it. Plain servers give
 * `role` to every caller whose Host passes.
 */
export function guardedServer(
  handler: () => ApiHandler,
  opts: {
    readonly tls: TlsOptions | undefined;
    readonly role: Role;
    readonly allowedHosts: ReadonlySet<string>;
    readonly limits: ApiLimits;
    /** Requests in flight over every listener of the process. */
    readonly inFlight: { n: number };
  },
): GuardedServer {
  const cap = new ConnectionCap(opts.limits.maxConnections);
  let roles = opts.tls?.roles;
  const policy: ListenerPolicy =
    opts.tls === undefined
      ? { plain: true, role: opts.role }
      : { plain: false, role: 'certificate' };
  const dispatch = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const role =
      policy.role === 'certificate'
        ? roleOfCertificate(
            certificateSubjects((req.socket as TLSSocket).getPeerCertificate()),
            roles,
          )
        : policy.role;
    const problem = guardProblem(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      policy,
      role,
      opts.allowedHosts,
    );
    // The body is not read: the connection cannot carry another request.
    if (problem !== undefined) {
      writeReply(res, jsonReply(403, errorBody(403, problem), { Connection: 'close' }));
      return;
    }
    if (opts.inFlight.n >= opts.limits.maxInFlight) {
      const busy = { 'Retry-After': '1', Connection: 'close' };
      writeReply(res, jsonReply(503, errorBody(503, BUSY_MESSAGE), busy));
      return;
    }
    opts.inFlight.n++;
    res.once('close', () => opts.inFlight.n--);
    cap.requestStarted(req.socket, res);
    handler()(req, res);
  };
  const timeouts = serverTimeouts(opts.limits);
  if (opts.tls === undefined) {
    const server = http.createServer(timeouts, dispatch);
    server.on('connection', (s: Socket) => cap.admit(s));
    return { server, cap, setTls: () => {} };
  }
  const server = https.createServer(
    {
      ...timeouts,
      ...secureContext(opts.tls),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: opts.limits.handshakeTimeoutMs,
    },
    dispatch,
  );
  server.on('secureConnection', (s: Socket) => cap.admit(s));
  return {
    server,
    cap,
    setTls: (tls) => {
      server.setSecureContext(secureContext(tls));
      roles = tls.roles;
    },
  };
}

/** Listens on `arg`; rejects with the listen error. */
export function listenOn(
  server: Server,
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
