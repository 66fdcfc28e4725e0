import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
}

interface MemberSpec {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
}

/** One etcd member process on loopback, with its own data dir; can be killed and started again. */
export class EtcdMember {
  private proc: TrackedProcess | undefined;
  constructor(
    private readonly spec: MemberSpec,
    private readonly initialCluster: string,
    private readonly clusterToken: string,
    private readonly binary: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }
  get clientUrl(): string {
    return `http://127.0.0.1:${this.spec.clientPort}`;
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
      '--logger',
      'zap',
      '--log-outputs',
      'stderr',
    ]);
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
    const res = await fetch(`${this.clientUrl}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) throw new Error(`etcd ${this.name}: status ${res.status}`);
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    return { memberId: body.header?.member_id ?? '', leader: body.leader ?? '' };
  }

  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { health?: string };
      return res.ok && body.health === 'true';
    } catch {
      return false;
    }
  }
}

/** A real etcd (one member or three) on free loopback ports with temporary data dirs. */
export class EtcdCluster {
  private constructor(
    readonly members: readonly EtcdMember[],
    private readonly root: string,
  ) {}

  /** Client URLs of all members, for a client's `hosts`. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  static async start(opts: EtcdOptions = {}): Promise<EtcdCluster> {
    const n = opts.members ?? 1;
    const root = await mkdtemp(join(tmpdir(), 'fleet-etcd-'));
    const ports = await freePorts(n * 2);
    const specs: MemberSpec[] = [];
    for (let i = 0; i < n; i++) {
      specs.push({
        name: `m${i}`,
        clientPort: ports[2 * i] ?? 0,
        peerPort: ports[2 * i + 1] ?? 0,
        dataDir: join(root, `m${i}`),
      });
    }
    const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
    const token = `fleet-test-${ports[0] ?? 0}`;
    const members = specs.map(
      (s) => new EtcdMember(s, initialCluster, token, opts.binary ?? 'etcd'),
    );
    const cluster = new EtcdCluster(members, root);
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
