import type { FleetClient } from '@fleet/client';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, TcpProxy, waitFor, type EtcdMember } from '@fleet/testkit';
import { fleetDeb } from './fleet-deb.js';
import { installEtcdAccess, rootAccess, type EtcdLogin } from './etcd-access.js';
import { fleetClient, installFleet, sh, unitProperty } from './fleet.js';
import type { NspawnMachine } from './machine.js';
import { bootMachines, type Machines } from './machines.js';

/** Where `killFleetAndHold` puts its drop-in (runtime: gone at the machine's next boot). */
const HOLD_DIR = '/run/systemd/system/fleet.service.d';

/** How a test cluster is made. */
export interface ClusterOptions {
  /** Number of machines (node1 … nodeN). */
  readonly machines: number;
  /**
   * etcd members (default 1). With 3, every fleetd's `etcd_servers` lists all of them (each through
   * the machine's own proxy), and `etcdLeader()`, `killEtcd()` and `restartEtcd()` play member faults.
   */
  readonly etcdMembers?: 1 | 3;
  /**
   * fleet's agent_ttl on every machine (default `5s`, so failover tests are quick; `null`: none
   * written, fleetd's own default).
   */
  readonly agentTtl?: string | null;
  /** Metadata of machine i (1-based), e.g. `(i) => \`hostname=node${i}\``. */
  readonly metadata?: (index: number) => string | undefined;
  /** More fleet.conf lines for every machine. */
  readonly extra?: readonly string[];
  /**
   * etcd as production runs it: TLS with client certificates, and etcd's auth on with a `fleet`
   * user and role that may read and write only this cluster's key prefix. Machine i (1-based)
   * logs in as this says (etcd_username/etcd_password, or its certificate's CN); the host-side
   * `registry` logs in as root.
   */
  readonly etcdLogin?: (index: number) => EtcdLogin;
  /**
   * Also bind the checkout and Node.js into the machines (default false). fleet is installed from
   * its .deb all the same. Only for the cluster benchmark, which runs the checkout's fleetctl and
   * `node -e ''` inside a machine.
   */
  readonly bindProject?: boolean;
  /**
   * Machines keep their files across reboots, and a `systemctl reboot` inside one boots it again
   * (fleet stays installed; systemd starts fleetd at boot). Default false.
   */
  readonly persistent?: boolean;
}

/**
 * A real fleet cluster on this host: etcd on loopback, N systemd-nspawn machines each running
 * fleetd installed from the .deb of this checkout (`dpkg -i`; no checkout, no Node.js), sshd on the machine's own address (also its
 * `public_ip`), and the API on each machine's unix socket and on TCP `<address>:49153`. Each machine
 * reaches every etcd member through its own `TcpProxy`, so one machine's link can be cut. Every
 * process it starts is tracked and torn down, even after a failed test.
 */
export class Cluster {
  private readonly clients = new Map<string, FleetClient>();

  private constructor(
    readonly etcd: EtcdCluster,
    readonly machines: Machines,
    /** Per machine: one proxy per etcd member. */
    private readonly proxies: Map<string, TcpProxy[]>,
    /** A host-side view of the registry, for assertions. */
    readonly registry: EtcdRegistry,
    readonly prefix: string,
    private readonly opts: ClusterOptions,
  ) {}

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const prefix = `/fleet-e2e-${process.pid}-${Date.now()}/`;
    // Built (or found in the cache) before anything starts, so that a failed build leaves nothing.
    await fleetDeb();
    const secure = opts.etcdLogin !== undefined;
    const etcd = await EtcdCluster.start({
      members: opts.etcdMembers ?? 1,
      ...(secure ? { tls: true, auth: { prefix } } : {}),
    });
    const access = secure
      ? await rootAccess(etcd).catch(async (err: unknown) => {
          await etcd.stop();
          throw err;
        })
      : {};
    const registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix, ...access });
    const proxies = new Map<string, TcpProxy[]>();
    let machines: Machines | undefined;
    try {
      machines = await bootMachines(opts.machines, {
        bindProject: opts.bindProject ?? false,
        persistent: opts.persistent ?? false,
      });
      const c = new Cluster(etcd, machines, proxies, registry, prefix, opts);
      await Promise.all(machines.list.map((m) => c.install(m)));
      await c.waitMachines(opts.machines);
      return c;
    } catch (err) {
      await machines?.teardown().catch(() => undefined);
      for (const ps of proxies.values()) await Promise.all(ps.map((p) => p.close()));
      await registry.close();
      await etcd.stop();
      throw err;
    }
  }

  /** The machine called `name` (node1, node2, …). */
  node(name: string): NspawnMachine {
    return this.machines.get(name);
  }

  get nodes(): readonly NspawnMachine[] {
    return this.machines.list;
  }

  /** The API of a machine (default node1) through its unix socket. */
  api(name = 'node1'): FleetClient {
    // Per boot: the socket is reached through the machine's PID 1, which a reboot changes.
    const key = `${name}:${this.node(name).initProcess?.pid ?? ''}`;
    let c = this.clients.get(key);
    if (c === undefined) this.clients.set(key, (c = fleetClient(this.node(name))));
    return c;
  }

  /** The plain-HTTP TCP endpoint of a machine's API. */
  tcpEndpoint(name: string): string {
    return `http://${this.node(name).address}:49153`;
  }

  /**
   * Waits until `n` machines are registered and every running machine's API serves (a record
   * alone is not enough: a restarted fleetd may still be waiting for its predecessor's lease).
   */
  async waitMachines(n: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        if ((await this.registry.listMachines()).items.length !== n) return false;
        for (const m of this.nodes) {
          if (!m.running) continue;
          const ok = await this.api(m.name)
            .listMachines()
            .then(
              (ms) => ms.length === n,
              () => false,
            );
          if (!ok) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 200, what: `${n} machines registered and serving` },
    );
  }

  /**
   * The machines (names) whose systemd runs `unit` as active. A machine that cannot be asked is an
   * error, never "not active": that would hide a second copy from a test.
   */
  async whereActive(unit: string): Promise<string[]> {
    const out: string[] = [];
    for (const m of this.nodes) {
      if (!m.running) continue;
      const r = await m.exec('systemctl', ['is-active', unit]).catch((err: unknown) => {
        throw new Error(`${m.name}: cannot ask systemd whether ${unit} is active`, { cause: err });
      });
      if (r.stdout.trim() === 'active') out.push(m.name);
    }
    return out;
  }

  /** `systemctl stop fleet` on a machine (a drain). */
  async stopFleet(name: string): Promise<void> {
    await sh(this.node(name), 'systemctl stop fleet.service', 120_000);
  }

  async startFleet(name: string): Promise<void> {
    await sh(this.node(name), 'systemctl start fleet.service');
  }

  /** SIGKILL to a machine's fleetd (systemd restarts it after 5 s). */
  async killFleet(name: string): Promise<void> {
    await sh(this.node(name), 'systemctl kill -s SIGKILL --kill-who=main fleet.service');
  }

  /**
   * SIGKILL to a machine's fleetd, which stays dead (a runtime drop-in sets Restart=no) until
   * `releaseFleet`: a test can watch what the others do without the killed one coming back.
   */
  async killFleetAndHold(name: string): Promise<void> {
    const m = this.node(name);
    await sh(
      m,
      [
        `mkdir -p ${HOLD_DIR}`,
        `printf '[Service]\\nRestart=no\\n' > ${HOLD_DIR}/e2e-hold.conf`,
        'systemctl daemon-reload',
        'systemctl kill -s SIGKILL --kill-who=main fleet.service',
      ].join('\n'),
    );
    await waitFor(async () => (await this.prop(name, 'fleet.service', 'MainPID')) === '0', {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `${name}'s fleetd to die`,
    });
  }

  /** Undoes `killFleetAndHold` (a no-op if nothing is held) and starts fleetd if it is not running. */
  async releaseFleet(name: string): Promise<void> {
    await sh(
      this.node(name),
      [
        `if [ -e ${HOLD_DIR}/e2e-hold.conf ]; then rm -f ${HOLD_DIR}/e2e-hold.conf; systemctl daemon-reload; fi`,
        'systemctl reset-failed fleet.service 2>/dev/null || true',
        'systemctl start fleet.service',
      ].join('\n'),
      120_000,
    );
  }

  /** Power cut: the machine and everything in it dies at once. */
  async powerOff(name: string): Promise<void> {
    for (const [key, c] of this.clients) {
      if (key.startsWith(`${name}:`)) {
        c.close();
        this.clients.delete(key);
      }
    }
    await this.node(name).kill();
  }

  /** Boots a powered-off machine again (a fresh overlay: fleet is installed again, as at first boot). */
  async powerOn(name: string): Promise<void> {
    const m = this.node(name);
    await m.boot();
    await m.waitBooted(60_000);
    await this.install(m);
  }

  /** Cuts one machine's link to etcd (every member), leaving etcd and the other machines alone. */
  cut(name: string): void {
    for (const p of this.proxies.get(name) ?? []) p.cut();
  }

  restore(name: string): void {
    for (const p of this.proxies.get(name) ?? []) p.restore();
  }

  /** Cuts every machine from etcd at once (a cluster-wide etcd outage, as the machines see it). */
  cutAll(): void {
    for (const m of this.nodes) this.cut(m.name);
  }

  restoreAll(): void {
    for (const m of this.nodes) this.restore(m.name);
  }

  /**
   * Brings a cluster back to its starting shape after a test, failed or not: every link restored,
   * every machine powered on, every fleetd running (not held), all of them registered.
   */
  async heal(): Promise<void> {
    this.restoreAll();
    for (const m of this.nodes) if (!m.running) await this.powerOn(m.name);
    for (const m of this.nodes) await this.releaseFleet(m.name);
    await this.waitMachines(this.nodes.length);
  }

  /** The etcd member that is the raft leader now (waits for one to be elected). */
  etcdLeader(): Promise<EtcdMember> {
    return this.etcd.leader();
  }

  /**
   * SIGKILL to one etcd member, as a power cut of its host. The machines' proxies in front of it
   * stay up, so fleetd sees its connections to that member fail and must use the others.
   */
  async killEtcd(member: EtcdMember): Promise<void> {
    await member.kill();
  }

  /** Starts a killed etcd member again on its own data dir; waits until every member is healthy. */
  async restartEtcd(member: EtcdMember, timeoutMs = 30_000): Promise<void> {
    member.start();
    await this.etcd.waitHealthy(timeoutMs);
  }

  /** Per machine, how many connections its fleetd has open to `member` (through its proxy). */
  etcdConnections(member: EtcdMember): Map<string, number> {
    const i = this.etcd.members.indexOf(member);
    const out = new Map<string, number>();
    for (const [name, ps] of this.proxies) out.set(name, ps[i]?.connections ?? 0);
    return out;
  }

  /** A machine's Prometheus `/metrics` (from its TCP API), as series name (with labels) -> value. */
  async metrics(name: string): Promise<Map<string, number>> {
    const res = await fetch(`${this.tcpEndpoint(name)}/metrics`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`${name}: GET /metrics answered ${res.status}`);
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  }

  /** `systemctl show -p PROP --value UNIT` on a machine. */
  prop(name: string, unit: string, prop: string): Promise<string> {
    return unitProperty(this.node(name), unit, prop);
  }

  async teardown(): Promise<void> {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    const results = await Promise.allSettled([
      this.machines.teardown(),
      ...[...this.proxies.values()].flat().map((p) => p.close()),
    ]);
    await this.registry.close().catch(() => undefined);
    await this.etcd.stop();
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) throw new AggregateError(failed, 'cluster teardown failed');
  }

  private async install(m: NspawnMachine): Promise<void> {
    let ps = this.proxies.get(m.name);
    if (ps === undefined) {
      ps = await Promise.all(
        this.etcd.endpoints.map((url) => {
          const [host, port] = url.replace(/^https?:\/\//, '').split(':');
          return TcpProxy.start({ host: host ?? '127.0.0.1', port: Number(port) });
        }),
      );
      this.proxies.set(m.name, ps);
    }
    const index = Number(m.name.replace('node', ''));
    const metadata = this.opts.metadata?.(index);
    const login = this.opts.etcdLogin?.(index);
    // The proxies pass TLS through: fleetd speaks https to them, and checks etcd's certificate
    // (IP:127.0.0.1) as if it reached etcd itself.
    const scheme = login === undefined ? 'http://' : 'https://';
    const access = login === undefined ? [] : await installEtcdAccess(m, this.etcd, login);
    await installFleet(m, {
      etcdUrl: ps.map((p) => p.url.replace(/^http:\/\//, scheme)).join(','),
      prefix: this.prefix,
      agentTtl: this.opts.agentTtl === null ? null : (this.opts.agentTtl ?? '5s'),
      tcp: true,
      ...(metadata !== undefined ? { metadata } : {}),
      extra: [...access, ...(this.opts.extra ?? [])],
    });
  }
}
