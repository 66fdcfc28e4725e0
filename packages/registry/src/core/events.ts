// The cluster event log (docs/deploys.md "Events"): one key per event under `event/`, written by
// anyone without fencing; an event's id is the revision of the write that appended it, so the
// log's order is etcd's order whoever wrote it. Appends of one call share one transaction (a
// call larger than the op limit takes several, in order).
import { z } from 'zod';
import { decode } from '../codec.js';
import {
  EVENT_KINDS,
  MAX_EVENT_MESSAGE_BYTES,
  type ClusterEvent,
  type EventInput,
  type EventRetention,
  type EventWatchEvent,
  type ListEventsOptions,
} from '../event-types.js';
import { InvalidInputError } from '../errors.js';
import type { KvEvent, KvOp, KvRecord } from '../kv/kv.js';
import type { Watch } from '../registry.js';
import type { Listing } from '../types.js';
import type { Core } from './core.js';
import { rangeAll, snapshot } from './read.js';
import { checkMachineId, checkStoredUnitName } from './validate.js';

/** The most events one call may append (they are written in transactions of the op limit). */
export const MAX_EVENTS_PER_APPEND = 1000;

/** `event/<writeId>/<index>`: an event without its id (the key's mod revision). */
const eventSchema = z.object({
  time: z.string(),
  kind: z.string(),
  message: z.string(),
  unit: z.string().optional(),
  machineId: z.string().optional(),
  group: z.string().optional(),
});
type StoredEvent = z.infer<typeof eventSchema>;

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);
const REVISION = /^[0-9]{1,19}$/;
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function bad(message: string): InvalidInputError {
  return new InvalidInputError(message);
}

/** An event as it will be stored, or InvalidInputError saying what is wrong with it. */
export function checkEvent(e: EventInput, now: () => number): StoredEvent {
  if (typeof e !== 'object' || e === null) throw bad('an event must be an object');
  if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) {
    throw bad(
      `invalid event kind ${JSON.stringify(e.kind)} (expected one of ${EVENT_KINDS.join(', ')})`,
    );
  }
  if (typeof e.message !== 'string' || e.message === '') {
    throw bad('an event message must be a non-empty string');
  }
  if (bytes(e.message) > MAX_EVENT_MESSAGE_BYTES) {
    throw bad(`an event message is longer than ${MAX_EVENT_MESSAGE_BYTES} bytes`);
  }
  let time: string;
  if (e.time === undefined) time = new Date(now()).toISOString();
  else if (typeof e.time !== 'string' || e.time.length > 40 || Number.isNaN(Date.parse(e.time))) {
    throw bad(`invalid event time ${JSON.stringify(e.time)} (expected an ISO time)`);
  } else time = e.time;
  return {
    time,
    kind: e.kind,
    message: e.message,
    ...(e.unit === undefined ? {} : { unit: checkStoredUnitName(e.unit) }),
    ...(e.machineId === undefined ? {} : { machineId: checkMachineId(e.machineId) }),
    ...(e.group === undefined ? {} : { group: checkStoredUnitName(e.group) }),
  };
}

/** A key component unique to one append: wall-clock ms (roughly ordered keys) and 64 random bits. */
function newWriteId(now: number): string {
  const random = crypto.getRandomValues(new Uint8Array(8));
  const hex = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${Math.max(0, Math.floor(now)).toString().padStart(13, '0')}-${hex}`;
}

/** See {@link Registry.appendEvents}. */
export async function appendEvents(core: Core, events: readonly EventInput[]): Promise<void> {
  if (!Array.isArray(events)) throw bad('events must be an array');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw bad(`at most ${MAX_EVENTS_PER_APPEND} events per append (got ${events.length})`);
  }
  const clock = core.kv.clock;
  const stored = events.map((e) => checkEvent(e, () => clock.now()));
  const per = core.limits.maxOpsPerTxn;
  for (let start = 0; start < stored.length; start += per) {
    const writeId = newWriteId(clock.now());
    const ops: KvOp[] = stored.slice(start, start + per).map((e, i) => ({
      type: 'put',
      key: core.keys.event(writeId, i),
      value: JSON.stringify(e),
    }));
    await core.kv.txn({ compare: [], success: ops, failure: [] });
  }
}

/** An event record, with what ordering and trimming need; undefined if it is not one. */
interface Decoded {
  readonly event: ClusterEvent;
  readonly rec: KvRecord;
}

function decodeEvent(core: Core, rec: KvRecord): Decoded | undefined {
  if (core.keys.parse(rec.key)?.kind !== 'event') return core.corrupt(rec.key, 'not an event key');
  const r = decode(eventSchema, rec.value);
  if (!r.ok) return core.corrupt(rec.key, r.detail);
  const { unit, machineId, group, ...rest } = r.value;
  const event: ClusterEvent = {
    id: rec.modRevision.toString(),
    ...rest,
    ...(unit === undefined ? {} : { unit }),
    ...(machineId === undefined ? {} : { machineId }),
    ...(group === undefined ? {} : { group }),
  };
  return { event, rec };
}

/** Log order: by revision, then by key (an append's events by their index). */
function byLogOrder(a: KvRecord, b: KvRecord): number {
  if (a.modRevision !== b.modRevision) return a.modRevision < b.modRevision ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

async function readLog(core: Core): Promise<{ log: Decoded[]; revision: bigint }> {
  const { kvs, revision } = await rangeAll(core, core.keys.events());
  const log: Decoded[] = [];
  for (const rec of [...kvs].sort(byLogOrder)) {
    const d = decodeEvent(core, rec);
    if (d !== undefined) log.push(d);
  }
  return { log, revision };
}

/** See {@link Registry.listEvents}. */
export async function listEvents(
  core: Core,
  opts: ListEventsOptions = {},
): Promise<Listing<ClusterEvent>> {
  const { after, limit } = opts;
  if (after !== undefined && (typeof after !== 'string' || !REVISION.test(after))) {
    throw bad(`invalid event id ${JSON.stringify(after)} (expected a revision, digits only)`);
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw bad(`invalid limit ${JSON.stringify(limit)} (expected a whole number >= 1)`);
  }
  const afterRev = after === undefined ? -1n : BigInt(after);
  return snapshot(async () => {
    const { log, revision } = await readLog(core);
    const items: ClusterEvent[] = [];
    for (const { event, rec } of log) {
      if (rec.modRevision <= afterRev) continue;
      // A page ends at a write's end: the last event taken decides whether more of it follow.
      if (limit !== undefined && items.length >= limit && items.at(-1)?.id !== event.id) break;
      items.push(event);
    }
    return { items, revision: revision.toString() };
  });
}

/** See {@link Registry.trimEvents}. */
export async function trimEvents(core: Core, retention: EventRetention): Promise<number> {
  const { maxCount, maxBytes } = retention;
  for (const [name, v] of [
    ['maxCount', maxCount],
    ['maxBytes', maxBytes],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw bad(`invalid ${name} ${JSON.stringify(v)} (expected a whole number >= 0)`);
    }
  }
  const { log } = await snapshot(() => readLog(core));
  const sizes = log.map(({ rec }) => bytes(rec.key) + bytes(rec.value));
  let count = log.length;
  let total = sizes.reduce((a, b) => a + b, 0);
  let cut = 0;
  while (cut < log.length && (count > maxCount || total > maxBytes)) {
    total -= sizes[cut] ?? 0;
    count--;
    cut++;
  }
  const per = core.limits.maxOpsPerTxn;
  for (let start = 0; start < cut; start += per) {
    const ops: KvOp[] = log
      .slice(start, Math.min(cut, start + per))
      .map(({ rec }) => ({ type: 'delete', key: rec.key }));
    await core.kv.txn({ compare: [], success: ops, failure: [] });
  }
  return cut;
}

/** See {@link Registry.watchEvents}. */
export function watchEvents(
  core: Core,
  afterRevision: string,
  onEvent: (e: EventWatchEvent) => void,
): Watch {
  if (typeof afterRevision !== 'string' || !REVISION.test(afterRevision)) {
    throw bad(`invalid revision ${JSON.stringify(afterRevision)}`);
  }
  const deliver = (e: EventWatchEvent): void => {
    try {
      onEvent(e);
    } catch (error) {
      core.report({ kind: 'listener-threw', error });
    }
  };
  const range = core.keys.events();
  const w = core.kv.watch(range.start, range.end, BigInt(afterRevision), {
    events: (evs: readonly KvEvent[]) => {
      const puts = evs.flatMap((ev) => (ev.type === 'put' ? [ev.kv] : []));
      for (const rec of puts.sort(byLogOrder)) {
        const d = decodeEvent(core, rec);
        if (d !== undefined) deliver({ type: 'event', event: d.event, revision: d.event.id });
      }
    },
    resync: (reason) => deliver({ type: 'resync', reason }),
    restarted: (error) => core.report({ kind: 'watch-restarted', key: range.start, error }),
  });
  return { close: () => w.close() };
}
