// The cluster event log over the API (docs/deploys.md "Events"): a page of it, and the stream of
// `GET /fleet/x/events?follow=true` read as an async iterator of events.
import type { IncomingMessage } from 'node:http';
import { BadResponseError } from './errors.js';

/** One event of the cluster log, as the API sends it. */
export interface WireEvent {
  /** The etcd revision of its write (events written together share it). */
  readonly id: string;
  readonly time: string;
  /** `unit.placed`, `machine.lost`, `rollout.failed`, ... (docs/deploys.md "Events"). */
  readonly kind: string;
  readonly message: string;
  readonly unit?: string;
  readonly machineId?: string;
  readonly group?: string;
}

/** The answer of `GET /fleet/x/events`: events oldest first, and the revision read at. */
export interface EventPage {
  readonly events: WireEvent[];
  readonly revision: string;
}

/** Options of a listing or a stream of events. */
export interface EventsOptions {
  /** Only events after this id. */
  readonly after?: string;
  /** At most this many (a write's events are never split, so a page may hold a few more). */
  readonly limit?: number;
}

const text = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new BadResponseError(`${what}: expected a string`);
  return v;
};

/** Checks one event of an answer. @throws BadResponseError */
export function parseWireEvent(v: unknown, where: string): WireEvent {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new BadResponseError(`${where}: expected an event object`);
  }
  const o = v as Record<string, unknown>;
  const opt = (key: 'unit' | 'machineId' | 'group') =>
    o[key] === undefined ? {} : { [key]: text(o[key], `${where}.${key}`) };
  return {
    id: text(o.id, `${where}.id`),
    time: text(o.time, `${where}.time`),
    kind: text(o.kind, `${where}.kind`),
    message: text(o.message, `${where}.message`),
    ...opt('unit'),
    ...opt('machineId'),
    ...opt('group'),
  };
}

/** Checks an events page. @throws BadResponseError */
export function parseEventPage(body: string): EventPage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new BadResponseError("GET /fleet/x/events: the server's answer is not JSON", {
      cause: err,
    });
  }
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (!Array.isArray(o.events)) throw new BadResponseError('GET /fleet/x/events: no events list');
  return {
    events: o.events.map((e, i) => parseWireEvent(e, `events[${i}]`)),
    revision: text(o.revision, 'revision'),
  };
}

/** The query string of an events request. */
export function eventsQuery(opts: EventsOptions & { readonly follow?: boolean }): string {
  const q = new URLSearchParams();
  if (opts.follow === true) q.set('follow', 'true');
  if (opts.after !== undefined) q.set('after', opts.after);
  if (opts.limit !== undefined) q.set('limit', String(opts.limit));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/**
 * Reads a server-sent event stream of events: each `data:` block is one event; comments
 * (`: ping`) are skipped. Ends when the server ends the stream or `signal` is aborted; the
 * response is destroyed when the caller stops early.
 */
export async function* readEventStream(
  res: IncomingMessage,
  signal: AbortSignal,
): AsyncGenerator<WireEvent> {
  res.setEncoding('utf8');
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += String(chunk).replace(/\r\n?/g, '\n');
      let cut = buffered.indexOf('\n\n');
      while (cut !== -1) {
        const block = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        cut = buffered.indexOf('\n\n');
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
        if (data.length === 0) continue;
        let json: unknown;
        try {
          json = JSON.parse(data.join('\n'));
        } catch (err) {
          throw new BadResponseError('GET /fleet/x/events: an event is not JSON', { cause: err });
        }
        yield parseWireEvent(json, 'event');
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    res.destroy();
  }
}
