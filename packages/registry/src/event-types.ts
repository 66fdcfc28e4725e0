// The cluster event log's records (docs/deploys.md "Events"): what callers append, what lists
// and watches return. Plain data, JSON as the API sends it.
import type { Watch } from './registry.js';
import type { Listing, ResyncEvent, Revision } from './types.js';

/** Every kind of event docs/deploys.md names, in its order. */
export const EVENT_KINDS = [
  'unit.placed',
  'unit.moved',
  'unit.unscheduled',
  'unit.started',
  'unit.failed',
  'unit.stopped',
  'machine.joined',
  'machine.lost',
  'machine.drained',
  'machine.cordoned',
  'machine.uncordoned',
  'machine.draining',
  'rollout.started',
  'rollout.step',
  'rollout.paused',
  'rollout.resumed',
  'rollout.succeeded',
  'rollout.failed',
  'rollout.rolled-back',
  'maintenance.entered',
  'maintenance.exited',
] as const;

/** One of {@link EVENT_KINDS}. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** The longest message the registry stores, in UTF-8 bytes. */
export const MAX_EVENT_MESSAGE_BYTES = 1024;

/** What a caller appends. */
export interface EventInput {
  readonly kind: EventKind;
  /** For people: one line, 1 to {@link MAX_EVENT_MESSAGE_BYTES} bytes. */
  readonly message: string;
  readonly unit?: string;
  readonly machineId?: string;
  /** The rollout group (`web@.service`), for unit and rollout events. */
  readonly group?: string;
  /** ISO time of what happened; default: the registry's clock when appended. */
  readonly time?: string;
}

/** An event as stored and listed. */
export interface ClusterEvent {
  /**
   * The etcd revision of the write that appended it (decimal). Events appended together share
   * it and are listed in the order they were given.
   */
  readonly id: Revision;
  readonly time: string;
  /** One of {@link EVENT_KINDS} (a newer fleetd may write kinds this one does not know). */
  readonly kind: string;
  readonly message: string;
  readonly unit?: string;
  readonly machineId?: string;
  readonly group?: string;
}

/** Options of {@link Registry.listEvents}. */
export interface ListEventsOptions {
  /** Only events with a greater id (a revision, e.g. the last id seen). */
  readonly after?: Revision;
  /**
   * At most this many events, the oldest first; a page never splits the events of one write
   * (it ends with the whole of the write its limit falls into).
   */
  readonly limit?: number;
}

/** Bounds of {@link Registry.trimEvents}: the log is cut, oldest first, until it meets both. */
export interface EventRetention {
  /** Events kept at most (>= 0). */
  readonly maxCount: number;
  /** Bytes kept at most (keys and values as stored, >= 0). */
  readonly maxBytes: number;
}

/** A change of the log seen by {@link Registry.watchEvents}: one appended event. */
export type EventWatchEvent =
  | { readonly type: 'event'; readonly event: ClusterEvent; readonly revision: Revision }
  | ResyncEvent;

/** The event log's part of the {@link Registry} port. */
export interface EventLog {
  /**
   * Appends events to the cluster event log (docs/deploys.md "Events"): anyone may, unfenced,
   * in one transaction (more events than the op limit: several, in order; at most 1,000 per
   * call). Each event's id becomes the revision of its write.
   * @throws InvalidInputError (nothing written) for an unknown kind, an empty message or one
   *   over 1 KiB, a bad unit/group name, machine ID or time.
   */
  appendEvents(events: readonly EventInput[]): Promise<void>;

  /**
   * The event log, oldest first (by id, then in the order each write gave them), after
   * `opts.after` and up to `opts.limit` events (a page never splits one write's events).
   * The listing's revision is where {@link watchEvents} continues.
   */
  listEvents(opts?: ListEventsOptions): Promise<Listing<ClusterEvent>>;

  /**
   * Events appended after `afterRevision`, in log order, as `watchUnits` (trims are not
   * reported; compaction ends the watch with one `resync`).
   */
  watchEvents(afterRevision: string, onEvent: (e: EventWatchEvent) => void): Watch;

  /**
   * Deletes the oldest events until at most `maxCount` events of at most `maxBytes` bytes
   * (keys and values as stored) are left.
   * @returns how many events were deleted.
   */
  trimEvents(retention: EventRetention): Promise<number>;
}
