// etcd's own request counters, from its Prometheus endpoint: every gRPC message a client sent
// (unary calls, watch creations, lease keepalives), by method.

/**
 * Messages received by etcd's gRPC server, by `service/method`, and streams opened, by
 * `streams service/method` (a watch re-created on the same stream is a message, not a stream).
 */
export type EtcdRequestCounts = ReadonlyMap<string, number>;

const LINE = /^grpc_server_(msg_received|started)_total\{([^}]*)\}\s+([0-9.e+]+)$/;

/** The prefix of the keys that count streams opened (`streams Watch/Watch`), not messages. */
export const STREAMS = 'streams ';

export async function scrapeEtcdRequests(endpoint: string): Promise<EtcdRequestCounts> {
  const res = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`etcd /metrics answered ${res.status}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const started = m[1] === 'started';
    const labels = m[2] ?? '';
    // Streams opened, for the streaming methods only (a unary call is its one message).
    if (started && !labels.includes('grpc_type="bidi_stream"')) continue;
    const method = /grpc_method="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const service = /grpc_service="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const key = `${started ? STREAMS : ''}${service.replace(/^etcdserverpb\./, '')}/${method}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

/** Per-method difference `after - before`, largest first, dropping zeros. */
export function requestDelta(
  before: EtcdRequestCounts,
  after: EtcdRequestCounts,
): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) out.push([k, d]);
  }
  return out.sort((a, b) => b[1] - a[1]);
}

/** etcd's counters of keys written by the MVCC store: puts and deletes (each key once). */
export async function scrapeEtcdKeyWrites(
  endpoint: string,
): Promise<{ puts: number; deletes: number }> {
  const res = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`etcd /metrics answered ${res.status}`);
  const text = await res.text();
  const value = (name: string): number =>
    Number(new RegExp(`^${name}\\s+([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { puts: value('etcd_mvcc_put_total'), deletes: value('etcd_mvcc_delete_total') };
}
