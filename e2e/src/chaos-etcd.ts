// The etcd side of a chaos run's history: a raw watch of the cluster's whole prefix from the
// start revision (every event, with its revision, the leader key's included), read on the host
// through etcd's JSON gateway straight from the members (no proxy, so the machines' link faults
// never hide an event). A broken stream is reopened from the revision after the last one seen,
// on whichever member answers; a compaction past that point is recorded as a gap.
import type { EtcdCluster } from '@fleet/testkit';
import { mono } from './chaos-clock.js';

/** One change of one key, as etcd committed it. */
export interface EtcdEvent {
  /** When the host received it (monotonic ms). */
  readonly at: number;
  readonly revision: number;
  readonly type: 'put' | 'delete';
  /** The key without the cluster's prefix, e.g. `assign/<machine>/<unit>`, `leader`. */
  readonly key: string;
  readonly value?: string;
  readonly createRevision?: number;
  readonly lease?: string;
  /** For a delete: the value it removed. */
  readonly prevValue?: string;
  readonly prevCreateRevision?: number;
}

interface WireKv {
  key: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  lease?: string;
}

interface WireWatchResponse {
  result?: {
    header?: { revision?: string };
    created?: boolean;
    canceled?: boolean;
    compact_revision?: string;
    events?: { type?: string; kv: WireKv; prev_kv?: WireKv }[];
  };
  error?: { message?: string };
}

/** A watch stream silent this long is reopened (on the next member). */
const QUIET_MS = 5_000;

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** etcd's range end for every key under `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** POSTs JSON to the first member that answers. */
export async function etcdPost<T>(etcd: EtcdCluster, path: string, body: unknown): Promise<T> {
  let last: unknown;
  for (const m of etcd.members.filter((x) => x.running)) {
    try {
      const res = await fetch(`${m.clientUrl}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3_000),
      });
      if (!res.ok) throw new Error(`etcd ${m.name} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no etcd member answered ${path}`, { cause: last });
}

/** The cluster's current revision. */
export async function etcdRevision(etcd: EtcdCluster): Promise<number> {
  const s = await etcdPost<{ header?: { revision?: string } }>(etcd, '/v3/kv/range', {
    key: b64('\0'),
  });
  return Number(s.header?.revision ?? 0);
}

/** Records every event under the prefix from `start()` until `stop()`. */
export class EtcdRecorder {
  readonly events: EtcdEvent[] = [];
  /** Ranges of revisions lost to a compaction before the recorder read them. */
  readonly gaps: { from: number; to: number }[] = [];
  private next = 0;
  private stopped = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly listeners = new Set<(e: EtcdEvent) => void>();

  constructor(
    private readonly etcd: EtcdCluster,
    private readonly prefix: string,
  ) {}

  /** The highest revision seen in an event or a header. */
  get revision(): number {
    return this.next - 1;
  }

  /** Calls `fn` with every event, in revision order. */
  onEvent(fn: (e: EtcdEvent) => void): void {
    this.listeners.add(fn);
  }

  /** Starts from the cluster's current revision + 1 (or `fromRevision`). */
  async start(fromRevision?: number): Promise<void> {
    this.next = fromRevision ?? (await etcdRevision(this.etcd)) + 1;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
  }

  /** Waits until the recorder has seen revision `rev` (or `timeoutMs` passed). */
  async caughtUp(rev: number, timeoutMs = 10_000): Promise<boolean> {
    const until = mono() + timeoutMs;
    while (this.revision < rev && mono() < until) await new Promise((r) => setTimeout(r, 50));
    return this.revision >= rev;
  }

  private async run(): Promise<void> {
    let member = 0;
    while (!this.stopped) {
      const running = this.etcd.members.filter((m) => m.running);
      const m = running[member++ % Math.max(1, running.length)];
      if (m === undefined) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      this.abort = new AbortController();
      try {
        await this.stream(m.clientUrl, this.abort.signal);
      } catch {
        // the member died, paused or the stream broke: reopen from the next revision
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async stream(url: string, signal: AbortSignal): Promise<void> {
    // A paused member accepts the request and says nothing, or keeps an open stream silent (etcd
    // sends progress notifications only every 10 min): give up on it after a quiet while and
    // reopen the watch, on the next member, from the next revision.
    let quiet: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => this.abort?.abort(), QUIET_MS);
    };
    arm();
    try {
      const res = await fetch(`${url}/v3/watch`, {
        method: 'POST',
        signal,
        body: JSON.stringify({
          create_request: {
            key: b64(this.prefix),
            range_end: b64(prefixEnd(this.prefix)),
            start_revision: String(this.next),
            prev_kv: true,
            progress_notify: true,
          },
        }),
      });
      if (!res.ok || res.body === null) throw new Error(`watch on ${url}: ${res.status}`);
      const reader = res.body.getReader();
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          arm();
          buf += Buffer.from(value).toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line !== '' && this.message(JSON.parse(line) as WireWatchResponse)) return;
          }
        }
      } finally {
        await reader.cancel().catch(() => undefined);
      }
    } finally {
      clearTimeout(quiet);
    }
  }

  /** Handles one watch response; true when the stream is over. */
  private message(msg: WireWatchResponse): boolean {
    const r = msg.result;
    if (r === undefined) return true;
    if (r.compact_revision !== undefined && r.compact_revision !== '0') {
      const compacted = Number(r.compact_revision);
      this.gaps.push({ from: this.next, to: compacted - 1 });
      this.next = compacted;
      return true;
    }
    if (r.canceled === true) return true;
    const at = mono();
    for (const e of r.events ?? []) {
      const rev = Number(e.kv.mod_revision ?? 0);
      if (rev < this.next) continue; // already seen before a reconnect
      const key = (unb64(e.kv.key) ?? '').slice(this.prefix.length);
      const del = e.type === 'DELETE';
      const value = unb64(e.kv.value);
      const prevValue = unb64(e.prev_kv?.value);
      const ev: EtcdEvent = {
        at,
        revision: rev,
        type: del ? 'delete' : 'put',
        key,
        ...(value === undefined || del ? {} : { value }),
        ...(e.kv.create_revision === undefined || del
          ? {}
          : { createRevision: Number(e.kv.create_revision) }),
        ...(e.kv.lease === undefined ? {} : { lease: e.kv.lease }),
        ...(prevValue === undefined ? {} : { prevValue }),
        ...(e.prev_kv?.create_revision === undefined
          ? {}
          : { prevCreateRevision: Number(e.prev_kv.create_revision) }),
      };
      this.events.push(ev);
      for (const fn of this.listeners) fn(ev);
    }
    // Events of one revision arrive in one response: the next revision is the one after the last.
    const last = r.events?.[r.events.length - 1];
    if (last !== undefined) this.next = Math.max(this.next, Number(last.kv.mod_revision) + 1);
    const header = Number(r.header?.revision ?? 0);
    if (r.events === undefined || r.events.length === 0) {
      // A progress notification (or the creation): nothing under the prefix up to the header.
      if (r.created !== true && header >= this.next) this.next = header + 1;
    }
    return false;
  }
}
