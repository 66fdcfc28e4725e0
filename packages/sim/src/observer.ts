// Watches what the cluster publishes (unit states and machine records) straight from etcd, as an
// outside observer: one listing, then one watch per prefix. Conditions are checked on every
// event, so a wait ends when the event that satisfies it arrives (no polling of etcd). Keys are
// the registry's (its Keys build the ranges and parse what arrives); etcd is reached through the
// registry's own store client, which resumes its watches after a dropped connection.
import { DEFAULT_PREFIX, Keys, type KeyRange, type KvEvent, type KvWatch } from '@fleet/registry';
import { EtcdKv } from '@fleet/registry/etcd';

interface Waiter {
  readonly ok: () => boolean;
  readonly resolve: () => void;
}

export class ClusterObserver {
  /** unit -> machine -> activeState */
  private readonly states = new Map<string, Map<string, string>>();
  private readonly machines = new Set<string>();
  private readonly assignments = new Set<string>();
  private readonly waiters = new Set<Waiter>();
  private watches: KvWatch[] = [];
  private activeUnits = 0;
  private closed = false;

  private constructor(
    private readonly kv: EtcdKv,
    private readonly keys: Keys,
  ) {}

  static async start(
    endpoints: readonly string[],
    prefix = DEFAULT_PREFIX,
  ): Promise<ClusterObserver> {
    const keys = new Keys(prefix);
    const o = new ClusterObserver(new EtcdKv({ endpoints }), keys);
    for (const range of [keys.states(), keys.machines(), keys.assignments()]) await o.follow(range);
    return o;
  }

  /** Lists `range`, then watches it from the listing's revision (again if history is compacted). */
  private async follow(range: KeyRange): Promise<void> {
    const res = await this.kv.range({ key: range.start, rangeEnd: range.end });
    for (const rec of res.kvs) this.apply('put', rec.key, rec.value);
    const watch = this.kv.watch(range.start, range.end, res.revision, {
      events: (events) => {
        for (const e of events) this.event(e);
      },
      resync: () => {
        this.watches = this.watches.filter((w) => w !== watch);
        if (!this.closed) this.follow(range).catch(() => undefined);
      },
    });
    this.watches.push(watch);
  }

  /** Units with at least one machine reporting them active. */
  get unitsActive(): number {
    return this.activeUnits;
  }

  /** Machines reporting `unit` active, sorted. */
  activeOn(unit: string): string[] {
    const by = this.states.get(unit);
    if (by === undefined) return [];
    return [...by]
      .filter(([, s]) => s === 'active')
      .map(([m]) => m)
      .sort();
  }

  /** Units reported active on more than one machine. */
  duplicates(): string[] {
    return [...this.states.keys()].filter((u) => this.activeOn(u).length > 1).sort();
  }

  /** Assignments in etcd (`assign/<machine>/<unit>` keys). */
  get assigned(): number {
    return this.assignments.size;
  }

  /** Whether some machine holds an assignment of `unit`. */
  isAssigned(unit: string): boolean {
    for (const id of this.assignments) if (id.endsWith(`/${unit}`)) return true;
    return false;
  }

  isLive(machineId: string): boolean {
    return this.machines.has(machineId);
  }

  get liveMachines(): number {
    return this.machines.size;
  }

  /** Resolves once `ok()` holds (checked now and after every event); rejects after the deadline. */
  until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        ok,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.watches.map((w) => w.close().catch(() => undefined)));
    await this.kv.close();
  }

  /** Changes seen since the start, by the first part of the key (`state`, `machine`, `assign`). */
  readonly changes = new Map<string, number>();

  private event(e: KvEvent): void {
    const key = e.type === 'put' ? e.kv.key : e.key;
    const kind = this.keys.parse(key)?.kind;
    const part = kind === 'metadata' ? 'machine' : (kind ?? '?');
    this.changes.set(`${part} ${e.type}`, (this.changes.get(`${part} ${e.type}`) ?? 0) + 1);
    this.apply(e.type, key, e.type === 'put' ? e.kv.value : '');
    for (const w of this.waiters) {
      if (w.ok()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private apply(type: 'put' | 'delete', key: string, value: string): void {
    const parsed = this.keys.parse(key);
    if (parsed?.kind === 'assign') {
      const id = `${parsed.machineId}/${parsed.name}`;
      if (type === 'put') this.assignments.add(id);
      else this.assignments.delete(id);
      return;
    }
    if (parsed?.kind === 'machine') {
      if (type === 'put') this.machines.add(parsed.machineId);
      else this.machines.delete(parsed.machineId);
      return;
    }
    if (parsed?.kind !== 'state') return;
    const { name: unit, machineId: machine } = parsed;
    const before = this.activeOn(unit).length > 0;
    let by = this.states.get(unit);
    if (type === 'delete') by?.delete(machine);
    else {
      let active = 'unknown';
      try {
        active = String((JSON.parse(value) as { activeState?: unknown }).activeState);
      } catch {
        // unreadable: counted as not active
      }
      if (by === undefined) this.states.set(unit, (by = new Map()));
      by.set(machine, active);
    }
    if (by?.size === 0) this.states.delete(unit);
    const after = this.activeOn(unit).length > 0;
    this.activeUnits += Number(after) - Number(before);
  }
}
