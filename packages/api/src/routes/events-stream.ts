// The event stream of `GET /fleet/x/events?follow=true`: the events listed, then each one appended
// later, as `data: <event json>` blocks, with a `: ping` comment every 15 s so that proxies and
// clients see the connection alive. It ends when the client goes, when the server closes (it must
// not hold a closing server open), when the client reads too slowly, or if the log cannot be
// followed (the client resumes with `after=` the last id it saw).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterEvent, Listing, Watch } from '@fleet/registry';
import { oneLine, type Logger } from '@fleet/runtime';
import type { RouteDeps } from '../route.js';
import { endOnClose } from '../server/keep-alive-end.js';

/** Options of the event stream. */
export interface EventStreamOptions {
  /** Between `: ping` comments (default 15 s). */
  readonly pingMs?: number;
  /** A client that leaves this much unread is cut off (default 4 MiB). */
  readonly maxBufferedBytes?: number;
}

/** Streams `listing`, then the log's later events, to `res` (whose headers are written). */
export function startEventStream(
  deps: Pick<RouteDeps, 'reads' | 'registry'>,
  req: IncomingMessage,
  res: ServerResponse,
  listing: Listing<ClusterEvent>,
  opts: EventStreamOptions & { readonly log: Logger },
): void {
  const maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
  let ended = false;
  let watch: Watch | undefined;
  /** The revision everything up to which was sent: where a new watch or listing continues. */
  let cursor = listing.revision;

  const end = (why?: string): void => {
    if (ended) return;
    ended = true;
    if (why !== undefined) opts.log.debug({ why }, 'event stream ended');
    clearInterval(ping);
    forget();
    void watch?.close();
    if (!res.writableEnded) res.end();
  };
  const write = (chunk: string): void => {
    if (ended) return;
    res.write(chunk);
    if (res.writableLength > maxBuffered) end('the client reads too slowly');
  };
  const send = (e: ClusterEvent): void => {
    write(`data: ${JSON.stringify(e)}\n\n`);
    cursor = e.id;
  };
  const follow = (): void => {
    if (ended) return;
    watch = deps.registry.watchEvents(cursor, (ev) => {
      if (ev.type === 'event') send(ev.event);
      else void relist();
    });
  };
  /** The watch's history was compacted: list what was missed, and watch again from there. */
  const relist = async (): Promise<void> => {
    await watch?.close();
    watch = undefined;
    try {
      const more = await deps.reads.listEvents({ after: cursor });
      for (const e of more.items) send(e);
      cursor = more.revision;
      follow();
    } catch (err) {
      end(`could not read the event log: ${oneLine(err)}`);
    }
  };

  const ping = setInterval(() => write(': ping\n\n'), opts.pingMs ?? 15_000);
  ping.unref();
  const forget = endOnClose(req, () => end('the server is closing'));
  res.on('close', () => end());
  res.flushHeaders();
  for (const e of listing.items) send(e);
  cursor = listing.revision;
  follow();
}
