// A real etcd cluster on loopback for tests: free ports, temporary data dirs, optional TLS.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLine } from '@fleet/runtime';
import { EtcdMember, type ClientTls, type EtcdCompaction, type MemberSpec } from './etcd-member.js';
import { makeEtcdTls, type EtcdTlsFiles } from './etcd-tls.js';
import { enableAuth, type EtcdAuth, type EtcdAuthOptions } from './etcd-auth.js';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

export { EtcdMember, type EtcdCompaction } from './etcd-member.js';

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
  /**
   * Turn etcd's authentication on once the cluster is healthy: a root user, and a `fleet` user
   * and role with readwrite on one prefix only (see `cluster.auth`). With `tls`, the client
   * certificate's CN is that user too (etcd takes the user from it when no password is given).
   */
  auth?: EtcdAuthOptions;
}

/**
 * Test clusters compact once a minute, keeping a minute of history (etcd 3.4's periodic compactor
 * compacts every `retention` when it is under an hour). Production keeps more (see the README's
 * etcd section): the point here is that the code under test always runs against a compacting etcd.
 */
export const TEST_COMPACTION: EtcdCompaction = { mode: 'periodic', retention: '1m' };

/** 512 MiB: far above what any test writes, so only a runaway history or leak reaches it. */
export const TEST_QUOTA_BYTES = 512 * 1024 * 1024;

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
    /** With `auth`: root's password, and the least-privilege user, its password, role and prefix. */
    public auth: EtcdAuth | undefined = undefined,
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
        // The gateway's certificate has no CN: etcd's gateway refuses one with auth on.
        clientTls = {
          ca: await readFile(tls.caFile),
          cert: await readFile(tls.gatewayCertFile),
          key: await readFile(tls.gatewayKeyFile),
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
        authTokenTtlSeconds: opts.auth?.tokenTtlSeconds,
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
      if (opts.auth !== undefined && members[0] !== undefined) {
        cluster.auth = await enableAuth(members[0], opts.auth);
      }
    } catch (err) {
      const logs = members.map((m) => `--- ${m.name}\n${m.log().slice(-2000)}`).join('\n');
      await cluster.stop();
      throw new Error(`etcd did not become healthy: ${oneLine(err)}\n${logs}`, {
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
