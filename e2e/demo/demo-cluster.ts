// The demo's cluster: etcd on loopback and N systemd-nspawn machines running fleetd installed from
// this checkout's .deb (`dpkg -i`, as the README tells users to; no Node.js in them), with the API on each machine's unix socket only. No
// `listen_tcp`: unlike the e2e `Cluster` (whose tests read `<address>:49153`), nothing here serves
// fleet's root API on a TCP port that every local user could reach. fleetctl reaches the socket
// through SSH as root (`--tunnel`), with the run's client key and known_hosts, which live in the
// run's directory: mode 0700, owned by root, removed by `teardown()` (or by the harness' guard if the
// demo dies).
//
// etcd is as open as the API (whoever writes fleet's keys runs anything as root on every machine),
// so it serves TLS and takes only clients with a certificate from its own CA (`EtcdCluster`'s
// `tls`: made by openssl in etcd's 0700 temporary directory, removed by `etcd.stop()`). Each machine
// gets the CA and the client certificate in /etc/fleet/etcd (0700, in its volatile overlay).
import { readFile, stat } from 'node:fs/promises';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, waitFor } from '@fleet/testkit';
import { bootMachines, fleetClient, installFleet, sh } from '../src/index.js';
import type { Machines, NspawnMachine } from '../src/index.js';

/** fleet's agent_ttl in the demo: short, so a machine that is stopped is noticed quickly. */
const AGENT_TTL = '5s';

/** Where a machine keeps etcd's CA and its client certificate and key. */
const ETCD_TLS_DIR = '/etc/fleet/etcd';

/** The PEM files a machine's fleetd needs to reach etcd, read once on the host. */
interface EtcdPems {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** How the demo reaches a machine's API: SSH as root to the machine's sshd, then its unix socket. */
export interface TunnelSettings {
  /** The machine `--tunnel` goes through (its sshd, on its own loopback address). */
  readonly via: NspawnMachine;
  /** The private key (`-i`), in {@link DemoCluster.keyDir}. */
  readonly identityFile: string;
  /** The machines' host keys (`--known-hosts-file`), in {@link DemoCluster.keyDir}. */
  readonly knownHostsFile: string;
}

export class DemoCluster {
  private constructor(
    readonly etcd: EtcdCluster,
    readonly machines: Machines,
    /** A host-side view of the registry, to wait for units without asking fleetctl. */
    readonly registry: EtcdRegistry,
  ) {}

  /** Boots etcd and `n` machines and installs fleet on each; tears down what started on failure. */
  static async start(n: number): Promise<DemoCluster> {
    const etcd = await EtcdCluster.start({ tls: true });
    let registry: EtcdRegistry | undefined;
    let machines: Machines | undefined;
    try {
      const pems = await etcdPems(etcd);
      await assertPrivate(etcd.root);
      const prefix = `/fleet-demo-${process.pid}/`;
      registry = new EtcdRegistry({
        endpoints: etcd.endpoints,
        prefix,
        credentials: {
          rootCertificate: Buffer.from(pems.ca),
          privateKey: Buffer.from(pems.key),
          certChain: Buffer.from(pems.cert),
        },
      });
      machines = await bootMachines(n);
      await assertPrivate(machines.dir);
      const c = new DemoCluster(etcd, machines, registry);
      await Promise.all(
        machines.list.map(async (m) => {
          await installEtcdTls(m, pems);
          await installFleet(m, {
            etcdUrl: etcd.endpoints.join(','),
            prefix,
            agentTtl: AGENT_TTL,
            extra: [
              `etcd_cafile=${ETCD_TLS_DIR}/ca.pem`,
              `etcd_certfile=${ETCD_TLS_DIR}/client.pem`,
              `etcd_keyfile=${ETCD_TLS_DIR}/client.key`,
            ],
          });
        }),
      );
      await c.waitMachines();
      return c;
    } catch (err) {
      await machines?.teardown().catch(() => undefined);
      await registry?.close().catch(() => undefined);
      await etcd.stop();
      throw err;
    }
  }

  get nodes(): readonly NspawnMachine[] {
    return this.machines.list;
  }

  /** The directory of the SSH key and known_hosts (0700, root's): removed by `teardown()`. */
  get keyDir(): string {
    return this.machines.dir;
  }

  /** fleetctl's way in, through node1's sshd. */
  get tunnel(): TunnelSettings {
    const via = this.nodes[0];
    if (via === undefined) throw new Error('the demo cluster has no machine');
    return {
      via,
      identityFile: this.machines.sshKey.path,
      knownHostsFile: this.machines.knownHosts,
    };
  }

  /** Waits until every machine is registered and its API answers on its unix socket. */
  private async waitMachines(timeoutMs = 60_000): Promise<void> {
    const n = this.nodes.length;
    await waitFor(
      async () => {
        if ((await this.registry.listMachines()).items.length !== n) return false;
        for (const m of this.nodes) {
          const api = fleetClient(m);
          try {
            if ((await api.listMachines().catch(() => [])).length !== n) return false;
          } finally {
            api.close();
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 250, what: `${n} machines registered and serving` },
    );
  }

  /** Stops the machines and etcd and removes every temporary file (the key directory too). */
  async teardown(): Promise<void> {
    try {
      await this.machines.teardown();
    } finally {
      await this.registry.close().catch(() => undefined);
      await this.etcd.stop();
    }
  }
}

async function etcdPems(etcd: EtcdCluster): Promise<EtcdPems> {
  const tls = etcd.tls;
  if (tls === undefined) throw new Error('etcd was started without TLS');
  return {
    ca: await readFile(tls.caFile, 'utf8'),
    cert: await readFile(tls.clientCertFile, 'utf8'),
    key: await readFile(tls.clientKeyFile, 'utf8'),
  };
}

/** Writes etcd's CA and the client certificate and key into the machine, readable by root only. */
async function installEtcdTls(m: NspawnMachine, pems: EtcdPems): Promise<void> {
  const file = (name: string, pem: string): string =>
    `cat > ${ETCD_TLS_DIR}/${name} <<'PEM'\n${pem.trim()}\nPEM`;
  await sh(
    m,
    [
      'mkdir -p /etc/fleet',
      'umask 077',
      `mkdir -p ${ETCD_TLS_DIR}`,
      file('ca.pem', pems.ca),
      file('client.pem', pems.cert),
      file('client.key', pems.key),
    ].join('\n'),
  );
}

/** Throws unless `dir` is root's and closed to everyone else (the SSH key is root on every machine). */
async function assertPrivate(dir: string): Promise<void> {
  const s = await stat(dir);
  if (s.uid !== 0 || (s.mode & 0o077) !== 0) {
    throw new Error(
      `${dir} must be root's with mode 0700 (it is uid ${s.uid}, mode ${(s.mode & 0o777).toString(8)}): it holds keys that are root on every machine`,
    );
  }
}
