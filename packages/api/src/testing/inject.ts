// inject: sends one request to a (req, res) handler without a socket, using node's own
// IncomingMessage and ServerResponse, and parses the raw bytes the response wrote. For tests.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';

/** A request to inject. */
export interface InjectRequest {
  readonly method?: string;
  /** Path and query, e.g. `/fleet/v1/units?nextPageToken=ZAACAA==`. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The body. A string or Buffer is sent as is; anything else is JSON-encoded and, unless a
   * Content-Type header is given, sent as `application/json`.
   */
  readonly body?: unknown;
}

/** What the handler answered. Header names are lower-case. */
export interface InjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** Headers whose duplicates node's HTTP parser drops (it keeps the first). */
const SINGLE_VALUED: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'host',
  'authorization',
]);

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) throw new Error('inject: truncated chunked body');
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) throw new Error('inject: bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

function parseRaw(raw: Buffer): InjectResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) throw new Error('inject: the handler wrote no complete response head');
  const [statusLine = '', ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let payload = raw.subarray(split + 4);
  if (headers['transfer-encoding'] === 'chunked') payload = decodeChunked(payload);
  const body = payload.toString('utf8');
  return { status, headers, body, json: <T>() => JSON.parse(body) as T };
}

function encodeBody(req: InjectRequest, headers: Map<string, string[]>): Buffer | undefined {
  if (req.body === undefined) return undefined;
  if (typeof req.body === 'string') return Buffer.from(req.body, 'utf8');
  if (Buffer.isBuffer(req.body)) return req.body;
  if (!headers.has('content-type')) headers.set('content-type', ['application/json']);
  return Buffer.from(JSON.stringify(req.body), 'utf8');
}

/**
 * Runs `handler` on one request and resolves with its response once the handler has ended it.
 * Content-Length is set from the body unless given.
 */
export function inject(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  request: InjectRequest,
): Promise<InjectResponse> {
  const headers = new Map<string, string[]>();
  for (const [k, v] of Object.entries(request.headers ?? {})) {
    headers.set(k.toLowerCase(), typeof v === 'string' ? [v] : [...v]);
  }
  const body = encodeBody(request, headers);
  if (body !== undefined && !headers.has('content-length')) {
    headers.set('content-length', [String(body.length)]);
  }

  const req = new IncomingMessage(new Socket());
  req.method = request.method ?? 'GET';
  req.url = request.url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.rawHeaders = [...headers].flatMap(([k, vs]) => vs.flatMap((v) => [k, v]));
  // As node's parser would: duplicates of single-valued headers keep the first, others join.
  req.headers = Object.fromEntries(
    [...headers].map(([k, vs]) => [k, SINGLE_VALUED.has(k) ? vs[0] : vs.join(', ')]),
  );
  req.headersDistinct = Object.fromEntries(headers);
  if (body !== undefined && body.length > 0) req.push(body);
  req.push(null);

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    const res = new ServerResponse(req);
    res.assignSocket(sink as unknown as Socket);
    res.on('finish', () => {
      try {
        resolve(parseRaw(Buffer.concat(chunks)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) reject(new Error('inject: the handler destroyed the response'));
    });
    handler(req, res);
  });
}
