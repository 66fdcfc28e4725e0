// One HTTP exchange with fleetd, over whatever reaches it: a unix socket, TCP, TLS with client
// certificates, or a caller-supplied stream (an SSH tunnel). Every request has a deadline.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { oneLine } from '@fleet/runtime';
import type { Endpoint } from './endpoint.js';
import { ConnectionError, EndpointError, TimeoutError } from './errors.js';

/** Opens a stream to fleetd (e.g. an SSH channel); plain HTTP (or TLS for https) runs over it. */
export type CreateConnection = () => Duplex | Promise<Duplex>;

/** TLS material for https endpoints, as PEM file paths. */
export interface TlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** A raw answer: status and body text. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * node:https and node:tls, loaded on first use: only https endpoints need them, and loading them
 * is a tenth of a CLI's start.
 */
const lazyHttps = (): typeof https => process.getBuiltinModule('node:https');
const lazyTls = (): typeof tls => process.getBuiltinModule('node:tls');

function readPem(what: string, path: string | undefined): Buffer | undefined {
  if (path === undefined || path === '') return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new EndpointError(`cannot read the ${what} file ${path}: ${oneLine(err)}`, {
      cause: err,
    });
  }
}

/** Sends requests to one endpoint, reusing connections (keep-alive) until {@link close}. */
export class Transport {
  private readonly tlsOptions: tls.ConnectionOptions;
  private readonly agent: http.Agent | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly timeoutMs: number,
    files: TlsFiles,
    private readonly createConnection: CreateConnection | undefined,
  ) {
    const ca = readPem('CA', files.caFile);
    const cert = readPem('certificate', files.certFile);
    const key = readPem('key', files.keyFile);
    this.tlsOptions = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
    if (createConnection !== undefined) this.agent = undefined;
    else if (endpoint.kind === 'https')
      this.agent = new (lazyHttps().Agent)({ keepAlive: true, ...this.tlsOptions });
    else this.agent = new http.Agent({ keepAlive: true });
  }

  /** Drops idle connections. Later requests open new ones. */
  close(): void {
    this.agent?.destroy();
  }

  private options(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
  ): http.RequestOptions {
    const ep = this.endpoint;
    const base: http.RequestOptions = {
      method,
      path: ep.kind === 'unix' ? path : `${ep.basePath}${path}`,
      headers: { ...headers, Host: ep.kind === 'unix' ? 'domain-sock' : `${ep.host}:${ep.port}` },
    };
    if (this.createConnection !== undefined) {
      const open = this.createConnection;
      const secure = ep.kind === 'https' ? { ...this.tlsOptions, servername: ep.host } : undefined;
      return {
        ...base,
        createConnection: ((_opts: unknown, done: (err: Error | null, s?: Duplex) => void) => {
          Promise.resolve()
            .then(open)
            .then((stream) =>
              done(
                null,
                secure === undefined ? stream : lazyTls().connect({ ...secure, socket: stream }),
              ),
            )
            .catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
          return undefined;
        }) as unknown as (
          opts: http.ClientRequestArgs,
          cb: (err: Error | null, s: Socket) => void,
        ) => Socket,
      };
    }
    if (ep.kind === 'https') {
      return { ...base, ...this.tlsOptions, host: ep.host, port: ep.port, agent: this.agent };
    }
    // Plain HTTP has no TLS server name. Saying so keeps node's agent from working one out for
    // each request: from the Host header, tested against node's IPv6 pattern, whose first use
    // costs 10-40 ms of a CLI's run and each later one about a millisecond (`domain-sock`).
    const plain = { ...base, agent: this.agent, servername: '' };
    if (ep.kind === 'unix') return { ...plain, socketPath: ep.socketPath };
    return { ...plain, host: ep.host, port: ep.port };
  }

  /**
   * Sends one request; `body` is JSON-encoded. Rejects with ConnectionError or TimeoutError.
   * A kept-alive connection that fleetd closed as idle just as the request went out (it fails
   * with ECONNRESET or EPIPE before any answer) is not an answer: the request is sent once more
   * on a new connection, unless it is a PATCH (the only method of the API that is not
   * idempotent).
   */
  async request(method: string, path: string, body?: unknown): Promise<RawResponse> {
    try {
      return await this.attempt(method, path, body);
    } catch (err) {
      if (!(err instanceof StaleConnectionError) || method === 'PATCH') throw unwrap(err);
      return await this.attempt(method, path, body).catch((e: unknown) => {
        throw unwrap(e);
      });
    }
  }

  /**
   * Opens a GET whose answer is read as it comes (an event stream): resolves with the response
   * once its head arrived (within the timeout), rejects with ConnectionError or TimeoutError. The
   * request is aborted when `signal` is; the caller reads or destroys the response.
   */
  open(path: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    const opts = { ...this.options('GET', path, { Accept: 'text/event-stream' }), signal };
    const send =
      this.endpoint.kind === 'https' && this.createConnection === undefined
        ? lazyHttps().request
        : http.request;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new TimeoutError(this.endpoint.text, this.timeoutMs);
        reject(err);
        req.destroy(err);
      }, this.timeoutMs);
      const req = send(opts, (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(
          err instanceof TimeoutError
            ? err
            : new ConnectionError(this.endpoint.text, { cause: err }),
        );
      });
      req.end();
    });
  }

  private attempt(method: string, path: string, body?: unknown): Promise<RawResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: http.OutgoingHttpHeaders = {
      Accept: 'application/json',
      ...(payload === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': payload.length }),
    };
    const opts = this.options(method, path, headers);
    const send =
      this.endpoint.kind === 'https' && this.createConnection === undefined
        ? lazyHttps().request
        : http.request;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: unknown, res?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (res !== undefined) resolve(res);
        else
          reject(
            err instanceof TimeoutError
              ? err
              : new ConnectionError(this.endpoint.text, { cause: err }),
          );
      };
      const req = send(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (err) => finish(err));
      });
      const timer = setTimeout(() => {
        const err = new TimeoutError(this.endpoint.text, this.timeoutMs);
        finish(err);
        req.destroy(err);
      }, this.timeoutMs);
      req.on('error', (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(new StaleConnectionError(new ConnectionError(this.endpoint.text, { cause: err })));
        } else finish(err);
      });
      req.end(payload);
    });
  }
}

/** A request lost on a kept-alive connection the server had already closed. */
class StaleConnectionError extends Error {
  constructor(override readonly cause: ConnectionError) {
    super(cause.message);
  }
}

function unwrap(err: unknown): unknown {
  return err instanceof StaleConnectionError ? err.cause : err;
}
