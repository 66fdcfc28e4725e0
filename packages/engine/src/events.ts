// The engine's part of the cluster event log (docs/deploys.md "Events"): `unit.placed`,
// `unit.moved` and `unit.unscheduled` for the tasks a leader applied, `machine.joined` and
// `machine.lost` as the leader's view of the machines changes, and the leader's periodic trim.
// Emission goes through an EventSink: it never waits for etcd and never fails a pass.
import {
  noEvents,
  type EngineStore,
  type EventInput,
  type EventRetention,
  type EventSink,
  type Leadership,
  type Listing,
  type Machine,
  type MachineEvent,
  type Watch,
} from '@fleet/registry';
import type { Clock, Logger } from '@fleet/runtime';
import type { Task } from '@fleet/scheduler';
import type { EngineOptions } from './engine-options.js';
import { groupOf } from '@fleet/unit';

/** How the leader bounds the log, and how often it trims it. */
export interface EventTrimOptions extends EventRetention {
  readonly intervalMs: number;
}

/** docs/deploys.md: 5,000 events and 2 MiB, trimmed about once a minute. */
export const DEFAULT_EVENT_TRIM: EventTrimOptions = {
  maxCount: 5000,
  maxBytes: 2 * 1024 * 1024,
  intervalMs: 60_000,
};

const unitEvent = (
  kind: EventInput['kind'],
  unit: string,
  machineId: string,
  message: string,
): EventInput => ({ kind, unit, machineId, group: groupOf(unit), message });

/**
 * The events of a pass's applied tasks: a unit unscheduled from one machine and scheduled on
 * another in the same pass has moved; other schedules placed it, other unschedules removed it.
 * Updates (new content or desired state on the same machine) are no placement change.
 */
export function taskEvents(tasks: readonly Task[]): EventInput[] {
  const gone = new Map<string, Task[]>();
  for (const t of tasks) {
    if (t.kind !== 'unschedule') continue;
    const list = gone.get(t.unit);
    if (list === undefined) gone.set(t.unit, [t]);
    else list.push(t);
  }
  const out: EventInput[] = [];
  for (const t of tasks) {
    if (t.kind !== 'schedule') continue;
    const from = gone.get(t.unit)?.shift();
    if (from === undefined) {
      out.push(
        unitEvent(
          'unit.placed',
          t.unit,
          t.machineId,
          `${t.unit} placed on ${t.machineId} (${t.reason})`,
        ),
      );
    } else {
      const message = `${t.unit} moved from ${from.machineId} to ${t.machineId} (${from.reason})`;
      out.push(unitEvent('unit.moved', t.unit, t.machineId, message));
    }
  }
  for (const list of gone.values()) {
    for (const t of list) {
      const message = `${t.unit} unscheduled from ${t.machineId} (${t.reason})`;
      out.push(unitEvent('unit.unscheduled', t.unit, t.machineId, message));
    }
  }
  return out;
}

/**
 * The machines a leader has seen during its term, from its listings and its machine watch, which
 * may arrive out of order: a listing at revision R changes only machines whose last known change
 * is older than R. The term's first listing sets the view without events.
 */
export class MachineView {
  private known: Set<string> | undefined;
  /** The revision of the last change seen per machine, kept until a newer listing covers it. */
  private readonly changedAt = new Map<string, bigint>();

  constructor(private readonly emit: (e: EventInput) => void) {}

  /** A new term: forget everything; its first listing is the starting point. */
  reset(): void {
    this.known = undefined;
    this.changedAt.clear();
  }

  listed(listing: Listing<Machine>): void {
    const at = BigInt(listing.revision);
    const live = new Map(listing.items.map((m) => [m.id, m]));
    const known = this.known;
    this.known = new Set(known ?? live.keys());
    if (known === undefined) return;
    const older = (id: string) => (this.changedAt.get(id) ?? -1n) < at;
    for (const [id, m] of live) if (!known.has(id) && older(id)) this.joined(id, m.publicIP);
    for (const id of known) if (!live.has(id) && older(id)) this.lost(id);
    for (const [id, rev] of this.changedAt) if (rev < at) this.changedAt.delete(id);
  }

  watched(e: MachineEvent): void {
    if (this.known === undefined || (e.type !== 'put' && e.type !== 'delete')) return;
    const id = e.type === 'put' ? e.machine.id : e.machineId;
    this.changedAt.set(id, BigInt(e.revision));
    if (e.type === 'put' && !this.known.has(id)) this.joined(id, e.machine.publicIP);
    if (e.type === 'delete' && this.known.has(id)) this.lost(id);
  }

  private joined(id: string, ip: string): void {
    this.known?.add(id);
    this.emit({ kind: 'machine.joined', machineId: id, message: `machine ${id} joined (${ip})` });
  }

  private lost(id: string): void {
    this.known?.delete(id);
    const message = `machine ${id} is gone (it stopped, or its lease expired)`;
    this.emit({ kind: 'machine.lost', machineId: id, message });
  }
}

/**
 * The engine's store with the event log's hooks: the machine listings and watch events the
 * leader reads feed a {@link MachineView}, a leadership won starts the term's trim timer (it
 * trims while the term lasts and the leader may act), and {@link applied} turns a pass's applied
 * tasks into events. Every other call passes through unchanged.
 */
export class EventfulEngineStore implements EngineStore {
  private readonly view: MachineView;

  /** The engine's store: events go to `opts.events` (none: no events and no trimming). */
  static of(opts: EngineOptions, clock: Clock, log: Logger): EventfulEngineStore {
    const trim = opts.events === undefined ? null : (opts.eventTrim ?? DEFAULT_EVENT_TRIM);
    return new EventfulEngineStore(opts.registry, opts.events ?? noEvents, trim, clock, log);
  }

  constructor(
    private readonly inner: EngineStore,
    private readonly sink: EventSink,
    private readonly trim: EventTrimOptions | null,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.view = new MachineView((e) => this.sink.emit(e));
  }

  /** Emits the events of a pass's applied tasks. */
  applied(tasks: readonly Task[]): void {
    for (const e of taskEvents(tasks)) this.sink.emit(e);
  }

  async campaign(candidateId: string, ttlSeconds: number): Promise<Leadership | undefined> {
    const l = await this.inner.campaign(candidateId, ttlSeconds);
    if (l !== undefined) {
      this.view.reset();
      this.trimWhileLeading(l);
    }
    return l;
  }

  private trimWhileLeading(l: Leadership): void {
    const trim = this.trim;
    if (trim === null) return;
    let cancel = (): void => undefined;
    const tick = (): void => {
      if (l.signal.aborted) return;
      cancel = this.clock.setTimer(trim.intervalMs, tick);
      if (!l.isLeader()) return;
      this.inner.trimEvents({ maxCount: trim.maxCount, maxBytes: trim.maxBytes }).then(
        (n) => {
          if (n > 0) this.log.debug({ events: n }, 'trimmed the event log');
        },
        (err: unknown) => this.log.warn({ err }, 'could not trim the event log'),
      );
    };
    cancel = this.clock.setTimer(trim.intervalMs, tick);
    l.signal.addEventListener('abort', () => cancel(), { once: true });
  }

  async listMachines(): Promise<Listing<Machine>> {
    const listing = await this.inner.listMachines();
    this.view.listed(listing);
    return listing;
  }

  watchMachines(afterRevision: string, onEvent: (e: MachineEvent) => void): Watch {
    return this.inner.watchMachines(afterRevision, (e) => {
      this.view.watched(e);
      onEvent(e);
    });
  }

  getLeader: EngineStore['getLeader'] = () => this.inner.getLeader();
  watchLeader: EngineStore['watchLeader'] = (onEvent) => this.inner.watchLeader(onEvent);
  listUnits: EngineStore['listUnits'] = () => this.inner.listUnits();
  listAssignments: EngineStore['listAssignments'] = (m) => this.inner.listAssignments(m);
  watchUnits: EngineStore['watchUnits'] = (rev, on) => this.inner.watchUnits(rev, on);
  watchAssignments: EngineStore['watchAssignments'] = (m, rev, on) =>
    this.inner.watchAssignments(m, rev, on);
  getContentsMany: EngineStore['getContentsMany'] = (h) => this.inner.getContentsMany(h);
  applyAssignments: EngineStore['applyAssignments'] = (t, ops) =>
    this.inner.applyAssignments(t, ops);
  setUnitReason: EngineStore['setUnitReason'] = (t, n, r) => this.inner.setUnitReason(t, n, r);
  appendEvents: EngineStore['appendEvents'] = (es) => this.inner.appendEvents(es);
  trimEvents: EngineStore['trimEvents'] = (r) => this.inner.trimEvents(r);
  listRollouts: EngineStore['listRollouts'] = () => this.inner.listRollouts();
  getRollout: EngineStore['getRollout'] = (g) => this.inner.getRollout(g);
  watchRollouts: EngineStore['watchRollouts'] = (rev, on) => this.inner.watchRollouts(rev, on);
  putRollout: EngineStore['putRollout'] = (t, r, e) => this.inner.putRollout(t, r, e);
  finishRollout: EngineStore['finishRollout'] = (t, g) => this.inner.finishRollout(t, g);
  revertUnits: EngineStore['revertUnits'] = (t, c) => this.inner.revertUnits(t, c);
  listUnitStates: EngineStore['listUnitStates'] = (f) => this.inner.listUnitStates(f);
  listMachineAdmin: EngineStore['listMachineAdmin'] = () => this.inner.listMachineAdmin();
  watchMachineAdmin: EngineStore['watchMachineAdmin'] = (rev, on) =>
    this.inner.watchMachineAdmin(rev, on);
}
