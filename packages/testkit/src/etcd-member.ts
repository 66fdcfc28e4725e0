// One etcd member process of a test cluster (EtcdCluster in etcd.ts starts and stops them).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EtcdTlsFiles } from './etcd-tls.js';
import { spawnTracked, type TrackedProcess } from './process.js';

/** `--auto-compaction-mode` and `--auto-compaction-retention`. */
export interface EtcdCompaction {
  /** `periodic`: keep `retention` of time (e.g. `1h`, `1m`); `revision`: keep that many revisions. */
  readonly mode: 'periodic' | 'revision';
  readonly retention: string;
}

export interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  compaction: EtcdCompaction;
  quotaBackendBytes: number;
  tls: EtcdTlsFiles | undefined;
  /** etcd's `--auth-token-ttl` (seconds), if not etcd's default. */
  authTokenTtlSeconds?: number | undefined;
}

/** What a request to etcd's HTTP gateway needs over TLS: the CA, and the client's certificate. */
export interface ClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** One etcd member process on loopback, with its own data dir; can be killed and started again. */
export class EtcdMember {
  private proc: TrackedProcess | undefined;
  constructor(
    private readonly spec: MemberSpec,
    private readonly initialCluster: string,
    private readonly clusterToken: string,
    private readonly binary: string,
    private readonly clientTls: ClientTls | undefined,
  ) {}

  get name(): string {
    return this.spec.name;
  }
  get clientUrl(): string {
    return `${this.spec.tls ? 'https' : 'http'}://127.0.0.1:${this.spec.clientPort}`;
  }
  /** The member's data directory (removed by `EtcdCluster.stop()`). */
  get dataDir(): string {
    return this.spec.dataDir;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts (or restarts) the member on its data dir and ports. */
  start(): void {
    if (this.running) return;
    const s = this.spec;
    this.proc = spawnTracked(`etcd ${s.name}`, this.binary, [
      '--name',
      s.name,
      '--data-dir',
      s.dataDir,
      '--listen-client-urls',
      this.clientUrl,
      '--advertise-client-urls',
      this.clientUrl,
      '--listen-peer-urls',
      `http://127.0.0.1:${s.peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${s.peerPort}`,
      '--initial-cluster',
      this.initialCluster,
      '--initial-cluster-state',
      'new',
      '--initial-cluster-token',
      this.clusterToken,
      '--heartbeat-interval',
      '100',
      '--election-timeout',
      '1000',
      '--auto-compaction-mode',
      s.compaction.mode,
      '--auto-compaction-retention',
      s.compaction.retention,
      '--quota-backend-bytes',
      String(s.quotaBackendBytes),
      ...(s.tls === undefined
        ? []
        : [
            '--cert-file',
            s.tls.serverCertFile,
            '--key-file',
            s.tls.serverKeyFile,
            '--trusted-ca-file',
            s.tls.caFile,
            '--client-cert-auth',
          ]),
      ...(s.authTokenTtlSeconds === undefined
        ? []
        : ['--auth-token-ttl', String(s.authTokenTtlSeconds)]),
      '--logger',
      'zap',
      '--log-outputs',
      'stderr',
    ]);
  }

  /**
   * POST to etcd's JSON gateway (`/v3/...`): the status and the parsed body. Over TLS with the
   * cluster's client certificate.
   */
  post(path: string, body: unknown = {}): Promise<{ status: number; body: unknown }> {
    return this.request('POST', path, JSON.stringify(body));
  }

  private request(
    method: 'GET' | 'POST',
    path: string,
    payload?: string,
  ): Promise<{ status: number; body: unknown }> {
    const tls = this.clientTls;
    return new Promise((resolve, reject) => {
      const req = (tls ? httpsRequest : httpRequest)(
        `${this.clientUrl}${path}`,
        {
          method,
          headers: { 'content-type': 'application/json' },
          timeout: 2_000,
          ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
            } catch {
              reject(new Error(`etcd ${this.name}: ${path} answered ${res.statusCode}: ${text}`));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`etcd ${this.name}: ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** SIGKILL: the member dies as in a power cut. */
  async kill(): Promise<void> {
    await this.proc?.kill();
  }

  /** SIGTERM and wait. */
  async stop(): Promise<void> {
    await this.proc?.stop();
  }

  /** The member's recent log output, for failure messages. */
  log(): string {
    return this.proc?.log() ?? '';
  }

  /** etcd's own status of this member: its ID and the ID of the leader it sees. */
  async status(): Promise<{ memberId: string; leader: string }> {
    const res = await this.post('/v3/maintenance/status');
    if (res.status !== 200) throw new Error(`etcd ${this.name}: status ${res.status}`);
    const body = res.body as { header?: { member_id?: string }; leader?: string };
    return { memberId: body.header?.member_id ?? '', leader: body.leader ?? '' };
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await this.request('GET', '/health');
      return res.status === 200 && (res.body as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }
}
