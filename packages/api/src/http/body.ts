// Request bodies: the content-type check, a size limit enforced while reading, and JSON decoding
// with fleet's "unable to decode body" message.
import type { IncomingMessage } from 'node:http';
import { FleetError, oneLine } from '@fleet/runtime';
import { HttpError } from '../errors.js';

/** Default request body limit: 1 MiB (a unit file is at most 512 KiB). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** The request ended before its body was read (the client went away). Nothing is answered. */
export class ClientGoneError extends FleetError {
  readonly code = 'API_CLIENT_GONE';
  constructor(options?: { readonly cause?: unknown }) {
    super('the client closed the connection before sending its body', options);
  }
}

/**
 * Checks there is exactly one Content-Type header and that its media type (parameters such as
 * `charset` allowed) is one of `accepted`, as fleet did for PUT.
 * @throws HttpError 415
 */
export function requireContentType(
  req: IncomingMessage,
  accepted: readonly string[] = ['application/json'],
): void {
  const values = req.headersDistinct['content-type'] ?? [];
  if (values.length !== 1) {
    throw new HttpError(415, `expected 1 Content-Type, got ${values.length}`);
  }
  const media = (values[0] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (!accepted.includes(media)) {
    throw new HttpError(415, `only acceptable Content-Type is ${accepted.join(' or ')}`);
  }
}

function tooLarge(limit: number): HttpError {
  // The rest of the body is not read: tell the client this connection is done.
  return new HttpError(413, `request body is larger than ${limit} bytes`, {
    headers: { Connection: 'close' },
  });
}

/**
 * Reads the whole body, refusing (413) as soon as it exceeds `limitBytes`: a declared
 * Content-Length over the limit is refused unread, and a body that grows past it stops being
 * buffered (the remainder is discarded).
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    return Promise.reject(tooLarge(limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.resume();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ClientGoneError({ cause: err }));
    };
    const onAborted = () => {
      cleanup();
      reject(new ClientGoneError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses a JSON body.
 * @throws HttpError 413 (too large) or 400 `unable to decode body: ...`
 */
export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const body = await readBody(req, limitBytes);
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpError(400, 'unable to decode body: it is not valid UTF-8');
  }
  if (text.trim() === '') throw new HttpError(400, 'unable to decode body: it is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, `unable to decode body: ${oneLine(err)}`, { cause: err });
  }
}
