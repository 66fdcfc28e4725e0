// Watches what the cluster publishes (unit states and machine records) straight from etcd, as an
// outside observer: one listing, then one watch per prefix. Conditions are checked on every
// event, so a wait ends when the event that satisfies it arrives (no polling of etcd).
import { Etcd3, type IKeyValue, type Watcher } from 'etcd3';

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
  private watchers: Watcher[] = [];
  private activeUnits = 0;

  private constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
  ) {}

  static async start(
    endpoints: readonly string[],
    prefix = '/_coreos.com/fleet/',
  ): Promise<ClusterObserver> {
    const o = new ClusterObserver(new Etcd3({ hosts: [...endpoints] }), prefix);
    for (const sub of ['state/', 'machine/', 'assign/']) {
      const p = prefix + sub;
      const res = await o.client.getAll().prefix(p).exec();
      for (const kv of res.kvs) o.apply('put', kv);
      const w = await o.client
        .watch()
        .prefix(p)
        .startRevision(String(BigInt(res.header.revision) + 1n))
        .create();
      w.on('put', (kv) => o.event('put', kv));
      w.on('delete', (kv) => o.event('delete', kv));
      w.on('error', () => undefined); // the watch manager reconnects by itself
      o.watchers.push(w);
    }
    return o;
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
    await Promise.all(this.watchers.map((w) => w.cancel().catch(() => undefined)));
    this.client.close();
  }

  /** Changes seen since the start, by the first part of the key (`state`, `machine`, `assign`). */
  readonly changes = new Map<string, number>();

  private event(type: 'put' | 'delete', kv: IKeyValue): void {
    const kind = kv.key.toString().slice(this.prefix.length).split('/')[0] ?? '?';
    this.changes.set(`${kind} ${type}`, (this.changes.get(`${kind} ${type}`) ?? 0) + 1);
    this.apply(type, kv);
    for (const w of this.waiters) {
      if (w.ok()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  private apply(type: 'put' | 'delete', kv: IKeyValue): void {
    const rel = kv.key.toString().slice(this.prefix.length);
    if (rel.startsWith('assign/')) {
      if (type === 'put') this.assignments.add(rel);
      else this.assignments.delete(rel);
      return;
    }
    const parts = rel.split('/');
    if (parts[0] === 'machine' && parts[2] === 'object' && parts[1] !== undefined) {
      if (type === 'put') this.machines.add(parts[1]);
      else this.machines.delete(parts[1]);
      return;
    }
    const [kind, unit, machine] = parts;
    if (kind !== 'state' || unit === undefined || machine === undefined) return;
    const before = this.activeOn(unit).length > 0;
    let by = this.states.get(unit);
    if (type === 'delete') by?.delete(machine);
    else {
      let active = 'unknown';
      try {
        active = String((JSON.parse(kv.value.toString()) as { activeState?: unknown }).activeState);
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
