// etcd's own request counters, from its Prometheus endpoint: every gRPC message a client sent
// (unary calls, watch creations, lease keepalives), by method.

/** Messages received by etcd's gRPC server, by `service/method`. */
export type EtcdRequestCounts = ReadonlyMap<string, number>;

const LINE = /^grpc_server_msg_received_total\{([^}]*)\}\s+([0-9.e+]+)$/;

export async function scrapeEtcdRequests(endpoint: string): Promise<EtcdRequestCounts> {
  const res = await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`etcd /metrics answered ${res.status}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels = m[1] ?? '';
    const method = /grpc_method="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const service = /grpc_service="([^"]*)"/.exec(labels)?.[1] ?? '?';
    const key = `${service.replace(/^etcdserverpb\./, '')}/${method}`;
    out.set(key, (out.get(key) ?? 0) + Number(m[2]));
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
