// The real-cluster nemesis: each op is apply() now and heal() later, both logged in the history
// (testkit's fault vocabulary) on the host's monotonic clock. Targets are chosen by the caller's
// seeded Rng, so a run replays from its seed (as far as real processes replay).
import { FAULTS, type FaultKind, type TcpProxy } from '@fleet/testkit';
import { mono } from './chaos-clock.js';
import { etcdPost } from './chaos-etcd.js';
import type { Rng } from './chaos-rng.js';
import type { Cluster } from './cluster.js';
import { sh } from './fleet.js';
import type { ChaosRecording } from './history.js';

/** The ops this nemesis plays. Each maps to a kind of testkit's fault vocabulary. */
export const NEMESIS_OPS = [
  'fleetd-kill',
  'fleetd-pause',
  'leader-kill',
  'leader-pause',
  'link-cut',
  'link-blackhole',
  'link-delay',
  'etcd-member-kill',
  'etcd-leader-kill',
  'etcd-member-pause',
  'compaction',
  'dbus-restart',
  'systemd-busy',
  'power-cut',
] as const;

export type NemesisOp = (typeof NEMESIS_OPS)[number];

/**
 * The vocabulary's kind for each op. Three have no kind of their own there: the etcd leader's
 * kill is a member kill (its detail says "leader"), a D-Bus restart makes systemd unavailable to
 * fleetd for a moment, and a daemon-reload loop slows every systemd job.
 */
export const KIND_OF: Readonly<Record<NemesisOp, FaultKind>> = {
  'fleetd-kill': 'fleetd-kill',
  'fleetd-pause': 'fleetd-pause',
  'leader-kill': 'leader-kill',
  'leader-pause': 'leader-pause',
  'link-cut': 'link-cut',
  'link-blackhole': 'link-blackhole',
  'link-delay': 'link-delay',
  'etcd-member-kill': 'etcd-member-kill',
  'etcd-leader-kill': 'etcd-member-kill',
  'etcd-member-pause': 'etcd-member-pause',
  compaction: 'compaction',
  'dbus-restart': 'systemd-unavailable',
  'systemd-busy': 'systemd-slow-stop',
  'power-cut': 'power-cut',
};

/** What an applied op holds: what it hit, and how to heal it. */
export interface Applied {
  readonly op: NemesisOp;
  readonly id: number;
  /** The machine (node name) it hit, if any. */
  readonly node?: string;
  /** The etcd member it hit, if any. */
  readonly member?: string;
  readonly detail: string;
  heal(): Promise<void>;
}

/** The machine's proxies to the etcd members (Cluster keeps them private; see the report). */
function proxiesOf(c: Cluster, node: string): readonly TcpProxy[] {
  const all = (c as unknown as { proxies: Map<string, TcpProxy[]> }).proxies;
  return all.get(node) ?? [];
}

/** The agent's 5 s pass plus a stop job and a D-Bus reconnect. */
const STOP_DELAY_AFTER_HEAL_MS = 8_000;

const fleetSignal = (sig: string) => `systemctl kill -s ${sig} --kill-who=main fleet.service`;

export class Nemesis {
  /** Applied and not yet healed. */
  private readonly active = new Set<Applied>();
  /** The revision of the last compaction (etcd refuses one at or below it). */
  private compacted = 0;
  readonly injected = new Map<NemesisOp, number>();

  constructor(
    private readonly c: Cluster,
    private readonly rec: ChaosRecording,
    private readonly rng: Rng,
    /** The ops it may choose from (e.g. no etcd member faults with one member). */
    readonly ops: readonly NemesisOp[] = NEMESIS_OPS,
  ) {}

  /** Nodes or members some applied fault holds: a second fault leaves them alone. */
  private busy(): { nodes: Set<string>; members: number } {
    const nodes = new Set<string>();
    let members = 0;
    for (const a of this.active) {
      if (a.node !== undefined) nodes.add(a.node);
      if (a.member !== undefined) members++;
    }
    return { nodes, members };
  }

  /** The ops that can be applied now, next to the faults already applied. */
  possible(): NemesisOp[] {
    const { nodes, members } = this.busy();
    const free = this.c.nodes.filter((m) => m.running && !nodes.has(m.name));
    const leader = this.leaderNode();
    return this.ops.filter((op) => {
      if (op.startsWith('etcd-')) return this.c.etcd.members.length >= 3 && members === 0;
      if (op.startsWith('leader-')) return leader !== undefined && !nodes.has(leader);
      if (op === 'compaction') return this.rec.etcd.revision > this.compacted;
      // A power cut with another machine down would leave a single machine.
      if (op === 'power-cut') return free.length >= 2 && nodes.size === 0;
      return free.length > 0;
    });
  }

  /** Applies `op` (chosen at random among `possible()` when absent). */
  async apply(op: NemesisOp = this.rng.pick(this.possible())): Promise<Applied> {
    const { nodes } = this.busy();
    const free = this.c.nodes.filter((m) => m.running && !nodes.has(m.name)).map((m) => m.name);
    const node = op.startsWith('leader-') ? this.leaderNode() : this.rng.pick(free);
    const applied = await this.perform(op, node ?? 'node1');
    this.active.add(applied);
    this.injected.set(op, (this.injected.get(op) ?? 0) + 1);
    return applied;
  }

  /** Heals every fault still applied. */
  async healAll(): Promise<void> {
    for (const a of [...this.active]) await this.heal(a);
  }

  async heal(a: Applied): Promise<void> {
    if (!this.active.delete(a)) return;
    try {
      await a.heal();
    } finally {
      this.rec.recorder.healFault(mono(), a.id);
      this.rec.note(`healed ${a.op} (${a.detail})`);
    }
  }

  private leaderNode(): string | undefined {
    const h = this.rec.recorder.history();
    const holder = h.leaders[h.leaders.length - 1]?.holder;
    return this.c.nodes.find((m) => m.machineId === holder && m.running)?.name;
  }

  private record(op: NemesisOp, target: string, detail: string, machine?: string): number {
    const kind = KIND_OF[op];
    const id = this.rec.recorder.applyFault(mono(), kind, target, {
      ...(machine === undefined ? {} : { machine }),
      detail: `${op}: ${detail}`,
      // A stop held up by D-Bus or a busy systemd runs at the agent's next pass after the heal.
      ...(FAULTS[kind].delaysStops ? { extendsMs: STOP_DELAY_AFTER_HEAL_MS } : {}),
    });
    this.rec.note(`apply ${op} (${detail}) [${FAULTS[kind].summary}]`);
    return id;
  }

  /**
   * Records the fault, then applies it: its window opens before the first effect. If applying
   * fails, the fault is healed at once and the error thrown.
   */
  private async act(
    op: NemesisOp,
    where: { target: string; machine?: string; node?: string; member?: string },
    detail: string,
    apply: () => Promise<void>,
    heal: () => Promise<void>,
  ): Promise<Applied> {
    const id = this.record(op, where.target, detail, where.machine);
    const applied: Applied = {
      op,
      id,
      detail,
      heal,
      ...(where.node === undefined ? {} : { node: where.node }),
      ...(where.member === undefined ? {} : { member: where.member }),
    };
    try {
      await apply();
    } catch (err) {
      await heal().catch(() => undefined);
      this.rec.recorder.healFault(mono(), id);
      this.rec.note(`could not apply ${op} (${detail}): ${(err as Error).message}`);
      throw err;
    }
    return applied;
  }

  private async perform(op: NemesisOp, node: string): Promise<Applied> {
    const c = this.c;
    const m = c.node(node);
    const here = { target: m.machineId, machine: m.machineId, node };
    const onNode = (detail: string, apply: () => Promise<void>, heal: () => Promise<void>) =>
      this.act(op, here, detail, apply, heal);
    const ensureFleet = async () => {
      if (m.running) await sh(m, 'systemctl start fleet.service');
    };
    switch (op) {
      case 'fleetd-kill':
      case 'leader-kill':
        return onNode(`SIGKILL to fleetd on ${node}`, () => c.killFleet(node), ensureFleet);
      case 'fleetd-pause':
      case 'leader-pause':
        return onNode(
          `SIGSTOP to fleetd on ${node}`,
          async () => void (await sh(m, fleetSignal('SIGSTOP'))),
          async () => void (m.running ? await sh(m, fleetSignal('SIGCONT')) : undefined),
        );
      case 'link-cut':
        return onNode(
          `${node} cut from etcd`,
          async () => proxiesOf(c, node).forEach((p) => p.cut()),
          async () => c.restore(node),
        );
      case 'link-blackhole':
        return onNode(
          `${node}'s link to etcd black-holed`,
          async () => proxiesOf(c, node).forEach((p) => p.blackhole()),
          async () => c.restore(node),
        );
      case 'link-delay': {
        const ms = this.rng.int(200, 2_000);
        return onNode(
          `${node}'s link to etcd delayed ${ms} ms`,
          async () => proxiesOf(c, node).forEach((p) => p.delay(ms)),
          async () => c.restore(node),
        );
      }
      case 'dbus-restart':
        return onNode(
          `D-Bus restarted on ${node}`,
          async () => void (await sh(m, 'systemctl restart dbus.service')),
          async () =>
            void (m.running
              ? await sh(m, 'systemctl is-active dbus.service || systemctl start dbus.service')
              : undefined),
        );
      case 'systemd-busy':
        return onNode(
          `daemon-reload loop on ${node}`,
          async () =>
            void (await sh(
              m,
              "systemd-run --unit=chaos-busy --collect /bin/sh -c 'while :; do systemctl daemon-reload; done'",
            )),
          async () =>
            void (m.running ? await sh(m, 'systemctl stop chaos-busy.service || true') : undefined),
        );
      case 'power-cut':
        return onNode(
          `power cut on ${node}`,
          () => c.powerOff(node),
          () => c.powerOn(node),
        );
      case 'compaction': {
        const revision = this.rec.etcd.revision;
        return this.act(
          op,
          { target: 'cluster' },
          `compacted at revision ${revision}`,
          async () => {
            await etcdPost(c.etcd, '/v3/kv/compaction', {
              revision: String(revision),
              physical: true,
            });
            this.compacted = revision;
          },
          async () => undefined,
        );
      }
      case 'etcd-member-kill':
      case 'etcd-leader-kill':
      case 'etcd-member-pause': {
        const member =
          op === 'etcd-leader-kill'
            ? await c.etcdLeader()
            : this.rng.pick(c.etcd.members.filter((x) => x.running));
        const where = { target: member.name, member: member.name };
        if (op === 'etcd-member-pause') {
          const pid = member.pid;
          if (pid === undefined) throw new Error(`etcd ${member.name} has no process`);
          return this.act(
            op,
            where,
            `SIGSTOP to etcd ${member.name}`,
            async () => void process.kill(pid, 'SIGSTOP'),
            async () => {
              process.kill(pid, 'SIGCONT');
              await c.etcd.waitHealthy(30_000);
            },
          );
        }
        const leader = op === 'etcd-leader-kill' ? ' (the raft leader)' : '';
        return this.act(
          op,
          where,
          `SIGKILL to etcd ${member.name}${leader}`,
          () => c.killEtcd(member),
          () => c.restartEtcd(member),
        );
      }
    }
  }
}
