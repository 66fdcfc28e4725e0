// What a route returns, and the one place that writes it to the response. Routes never touch
// the ServerResponse, so they can be read (and tested) as functions from request to reply.
import type { ServerResponse } from 'node:http';

/** A response to send: JSON, no body, or a text body with its own content type. */
export type Reply =
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'empty';
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'text';
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      /** A body written over time (a server-sent event stream): `start` owns the response. */
      readonly kind: 'stream';
      readonly status: number;
      readonly contentType: string;
      readonly start: (res: ServerResponse) => void;
    };

/** A JSON reply (serialised compactly, as Go's encoding/json does). */
export function jsonReply(
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): Reply {
  return headers === undefined
    ? { kind: 'json', status, body }
    : { kind: 'json', status, body, headers };
}

/** A reply without a body (201 and 204 in fleet's API). */
export function emptyReply(status: number): Reply {
  return { kind: 'empty', status };
}

/** Writes `reply` to `res` and ends it. Sets Content-Length so no chunked encoding is used. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  if (reply.kind === 'stream') {
    res.setHeader('Content-Type', reply.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.writeHead(reply.status);
    reply.start(res);
    return;
  }
  if (reply.kind === 'empty') {
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    if (reply.status !== 204 && reply.status !== 304) res.setHeader('Content-Length', '0');
    res.writeHead(reply.status);
    res.end();
    return;
  }
  const text = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.body;
  const payload = Buffer.from(text, 'utf8');
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.setHeader('Content-Type', reply.kind === 'json' ? 'application/json' : reply.contentType);
  res.setHeader('Content-Length', String(payload.length));
  res.writeHead(reply.status);
  res.end(payload);
}
