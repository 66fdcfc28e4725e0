import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEtcdTls, type EtcdTlsFiles } from './etcd-tls.js';
import { freePorts } from './ports.js';
import { spawnTracked, type TrackedProcess } from './process.js';
import { waitFor } from './wait.js';

export interface EtcdOptions {
  /** Number of members: 1 (default) or 3. */
  members?: 1 | 3;
  /** The etcd binary (default: `etcd` on PATH, from Debian's etcd-server). */
  binary?: string;
  /** How long to wait for the cluster to become healthy (default 30 s). */
  startTimeoutMs?: number;
  /**
   * etcd's auto-compaction, as production runs it (default {@link TEST_COMPACTION}: periodic,
   * keeping one minute of history, so every test cluster compacts while tests run).
   */
  compaction?: EtcdCompaction;
  /** etcd's `--quota-backend-bytes` (default {@link TEST_QUOTA_BYTES}, 512 MiB). */
  quotaBackendBytes?: number;
  /**
   * Serve clients over TLS on loopback (`https://127.0.0.1:<port>`), requiring a client certificate
   * signed by the cluster's own CA (`--client-cert-auth`). The PEM files are in `cluster.tls`.
   */
  tls?: boolean;
}

/** `--auto-compaction-mode` and `--auto-compaction-retention`. */
export interface EtcdCompaction {
  /** `periodic`: keep `retention` of time (e.g. `1h`, `1m`); `revision`: keep that many revisions. */
  readonly mode: 'periodic' | 'revision';
  readonly retention: string;
}

/**
 * Test clusters compact once a minute, keeping a minute of history (etcd 3.4's periodic compactor
 * compacts every `retention` when it is under an hour). Production keeps more (see the README's
 * etcd section): the point here is that the code under test always runs against a compacting etcd.
 */
export const TEST_COMPACTION: EtcdCompaction = { mode: 'periodic', retention: '1m' };

/** 512 MiB: far above what any test writes, so only a runaway history or leak reaches it. */
export const TEST_QUOTA_BYTES = 512 * 1024 * 1024;

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  compaction: EtcdCompaction;
  quotaBackendBytes: number;
  tls: EtcdTlsFiles | undefined;
}

/** What a request to etcd's HTTP gateway needs over TLS: the CA, and the client's certificate. */
interface ClientTls {
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

/** A real etcd (one member or three) on free loopback ports with temporary data dirs. */
export class EtcdCluster {
  private constructor(
    readonly members: readonly EtcdMember[],
    /** The temporary directory holding every member's data dir (and the TLS files). */
    readonly root: string,
    /** With `tls: true`: the CA, etcd's and a client's certificate, and an unrelated CA. */
    readonly tls: EtcdTlsFiles | undefined,
    /** The auto-compaction every member runs with. */
    readonly compaction: EtcdCompaction,
    /** Every member's `--quota-backend-bytes`. */
    readonly quotaBackendBytes: number,
  ) {}

  /** The etcd flags that matter to an operator, as a command line would give them. */
  get flags(): string {
    return [
      `--auto-compaction-mode=${this.compaction.mode}`,
      `--auto-compaction-retention=${this.compaction.retention}`,
      `--quota-backend-bytes=${this.quotaBackendBytes}`,
      ...(this.tls ? ['--client-cert-auth', '--trusted-ca-file=…', '--cert-file=…'] : []),
    ].join(' ');
  }

  /** Client URLs of all members, for a client's `hosts`. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  static async start(opts: EtcdOptions = {}): Promise<EtcdCluster> {
    const n = opts.members ?? 1;
    const root = await mkdtemp(join(tmpdir(), 'fleet-etcd-'));
    let tls: EtcdTlsFiles | undefined;
    let clientTls: ClientTls | undefined;
    try {
      if (opts.tls === true) {
        tls = await makeEtcdTls(join(root, 'tls'));
        clientTls = {
          ca: await readFile(tls.caFile),
          cert: await readFile(tls.clientCertFile),
          key: await readFile(tls.clientKeyFile),
        };
      }
    } catch (err) {
      await rm(root, { recursive: true, force: true });
      throw err;
    }
    const compaction = opts.compaction ?? TEST_COMPACTION;
    const quotaBackendBytes = opts.quotaBackendBytes ?? TEST_QUOTA_BYTES;
    const ports = await freePorts(n * 2);
    const specs: MemberSpec[] = [];
    for (let i = 0; i < n; i++) {
      specs.push({
        name: `m${i}`,
        clientPort: ports[2 * i] ?? 0,
        peerPort: ports[2 * i + 1] ?? 0,
        dataDir: join(root, `m${i}`),
        compaction,
        quotaBackendBytes,
        tls,
      });
    }
    const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
    const token = `fleet-test-${ports[0] ?? 0}`;
    const members = specs.map(
      (s) => new EtcdMember(s, initialCluster, token, opts.binary ?? 'etcd', clientTls),
    );
    const cluster = new EtcdCluster(members, root, tls, compaction, quotaBackendBytes);
    try {
      for (const m of members) m.start();
      await cluster.waitHealthy(opts.startTimeoutMs ?? 30_000);
    } catch (err) {
      const logs = members.map((m) => `--- ${m.name}\n${m.log().slice(-2000)}`).join('\n');
      await cluster.stop();
      throw new Error(`etcd did not become healthy: ${(err as Error).message}\n${logs}`, {
        cause: err,
      });
    }
    return cluster;
  }

  /** Waits until every running member reports itself healthy and agrees on a leader. */
  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        const running = this.members.filter((m) => m.running);
        if (running.length === 0) throw new Error('no member is running');
        for (const m of running) if (!(await m.healthy())) return false;
        return true;
      },
      { timeoutMs, intervalMs: 100, what: 'etcd to be healthy' },
    );
  }

  /** The member that is the raft leader now. */
  async leader(): Promise<EtcdMember> {
    return waitFor(
      async () => {
        for (const m of this.members.filter((x) => x.running)) {
          const st = await m.status().catch(() => undefined);
          if (st === undefined || st.leader === '' || st.leader === '0') continue;
          if (st.leader === st.memberId) return m;
        }
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'an etcd leader' },
    );
  }

  /** Stops every member (SIGTERM, then SIGKILL) and removes the data dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
    await rm(this.root, { recursive: true, force: true });
  }
}
