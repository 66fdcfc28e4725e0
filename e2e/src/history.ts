// The history of a real-cluster chaos run, mapped to testkit's History (the same type the
// simulation records, so the same invariants judge both):
//   - faults: from the nemesis (nemesis.ts), on the host's monotonic clock;
//   - runs: what systemd really ran, from the units' own heartbeats (chaos-heartbeats.ts);
//   - writes: the workload's API calls (chaos-workload.ts);
//   - assignments and leader terms: every etcd event under the prefix (chaos-etcd.ts); an
//     assignment write carries the token of the leader key at its revision (etcd fenced it, so a
//     write outside any term shows as one with no token);
//   - passes: a rise of the leader's `fleet_engine_reconciles_total`, sampled every second;
//   - pending: launched or loaded units with no assignment, sampled every second;
//   - final: the registry read once the run settled.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HistoryRecorder,
  type FinalState,
  type FinalUnit,
  type History,
  type UnitSpec,
} from '@fleet/testkit';
import { mono } from './chaos-clock.js';
import { EtcdRecorder, etcdPost, type EtcdEvent } from './chaos-etcd.js';
import { HeartbeatCollector } from './chaos-heartbeats.js';
import type { Cluster } from './cluster.js';

const NO_TOKEN = '(none)';

/** Which units could take a machine now, given how many machines are live (workload's rules). */
export type Placeable = (unit: string, launched: ReadonlySet<string>, live: number) => boolean;

export class ChaosRecording {
  readonly recorder: HistoryRecorder;
  readonly etcd: EtcdRecorder;
  private leaderToken: string | undefined;
  private leaderHolder: string | undefined;
  private sampling: Promise<void> | undefined;
  private stopped = false;
  private lastCount = new Map<string, number>();
  private readonly log: string[] = [];

  private constructor(
    private readonly c: Cluster,
    readonly heartbeats: HeartbeatCollector,
    private readonly placeable: Placeable,
    readonly start: number,
  ) {
    this.recorder = new HistoryRecorder(start);
    this.etcd = new EtcdRecorder(c.etcd, c.prefix);
    this.etcd.onEvent((e) => this.onEtcd(e));
  }

  static async start(c: Cluster, placeable: Placeable): Promise<ChaosRecording> {
    const heartbeats = await HeartbeatCollector.start();
    const r = new ChaosRecording(c, heartbeats, placeable, mono());
    const leader = await etcdPost<{
      header?: { revision?: string };
      kvs?: { value?: string; create_revision?: string; mod_revision?: string }[];
    }>(c.etcd, '/v3/kv/range', { key: Buffer.from(`${c.prefix}leader`).toString('base64') });
    const kv = leader.kvs?.[0];
    if (kv !== undefined) {
      const holder = candidate(Buffer.from(kv.value ?? '', 'base64').toString('utf8'));
      r.setLeader(r.start, Number(kv.mod_revision), holder, kv.create_revision);
    }
    await r.etcd.start(Number(leader.header?.revision ?? 0) + 1);
    r.sampling = r.sample();
    return r;
  }

  /** A line for the run's log (written with the artefacts). */
  note(line: string): void {
    this.log.push(`${((mono() - this.start) / 1000).toFixed(1)}s ${line}`);
  }

  get notes(): readonly string[] {
    return this.log;
  }

  describeUnit(spec: UnitSpec): void {
    this.recorder.describeUnit(spec);
  }

  private setLeader(at: number, revision: number, holder?: string, createRevision?: string): void {
    this.leaderHolder = holder;
    this.leaderToken = holder === undefined ? undefined : createRevision;
    this.recorder.leader({
      at,
      revision,
      ...(holder === undefined ? {} : { holder }),
      ...(this.leaderToken === undefined ? {} : { token: this.leaderToken }),
    });
  }

  private onEtcd(e: EtcdEvent): void {
    if (e.key === 'leader') {
      if (e.type === 'delete') this.setLeader(e.at, e.revision);
      else this.setLeader(e.at, e.revision, candidate(e.value), String(e.createRevision));
      return;
    }
    const parts = e.key.split('/');
    if (parts[0] !== 'assign' || parts.length !== 3) return;
    this.recorder.assignment({
      at: e.at,
      revision: e.revision,
      machine: parts[1] ?? '',
      unit: parts[2] ?? '',
      op: e.type === 'put' ? 'schedule' : 'unschedule',
      token: this.leaderToken ?? NO_TOKEN,
    });
  }

  /** Every second: the leader's reconcile count, and the units waiting for a machine. */
  private async sample(): Promise<void> {
    while (!this.stopped) {
      const t = mono();
      await Promise.all([this.samplePasses(), this.samplePending()]).catch((err: unknown) =>
        this.note(`sampling failed: ${(err as Error).message}`),
      );
      const left = 1_000 - (mono() - t);
      if (left > 0 && !this.stopped) await new Promise((r) => setTimeout(r, left));
    }
  }

  private async samplePasses(): Promise<void> {
    const holder = this.leaderHolder;
    const token = this.leaderToken;
    const node = this.c.nodes.find((m) => m.machineId === holder);
    if (holder === undefined || token === undefined || node === undefined || !node.running) return;
    const res = await fetch(`${this.c.tcpEndpoint(node.name)}/metrics`, {
      signal: AbortSignal.timeout(900),
    }).catch(() => undefined);
    if (res?.ok !== true) return;
    const line = (await res.text())
      .split('\n')
      .find((l) => l.startsWith('fleet_engine_reconciles_total'));
    const count = Number(line?.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(count)) return;
    const key = `${holder} ${token}`;
    const before = this.lastCount.get(key);
    this.lastCount.set(key, count);
    if (before === undefined || count > before) this.recorder.pass({ at: mono(), holder, token });
  }

  private async samplePending(): Promise<void> {
    const at = mono();
    const [units, assigned, machines] = await Promise.all([
      this.c.registry.listUnits(),
      this.c.registry.listAssignments(),
      this.c.registry.listMachines(),
    ]);
    const history = this.recorder.history();
    const has = new Set(assigned.items.map((a) => a.unit));
    const wanting = units.items.filter(
      (u) => u.desiredState !== 'inactive' && history.units[u.name]?.global !== true,
    );
    const launched = new Set(wanting.map((u) => u.name));
    const pending = wanting
      .filter((u) => !has.has(u.name))
      .map((u) => ({
        unit: u.name,
        placeable: this.placeable(u.name, launched, machines.items.length),
      }));
    this.recorder.observePending({ at, pending });
  }

  /** Reads the final state from the registry (call once the cluster settled). */
  async finalState(): Promise<FinalState> {
    const at = mono();
    const [units, assigned, machines] = await Promise.all([
      this.c.registry.listUnits(),
      this.c.registry.listAssignments(),
      this.c.registry.listMachines(),
    ]);
    const specs = this.recorder.history().units;
    const live = new Set(machines.items.map((m) => m.id));
    const wanting = new Set(
      units.items.filter((u) => u.desiredState !== 'inactive').map((u) => u.name),
    );
    const out: FinalUnit[] = units.items.map((u) => ({
      name: u.name,
      desiredState: u.desiredState,
      global: specs[u.name]?.global ?? false,
      assignedTo: assigned.items.filter((a) => a.unit === u.name).map((a) => a.machineId),
      placeable: this.placeable(u.name, wanting, live.size),
    }));
    return {
      at,
      machines: this.c.nodes.map((m) => ({ id: m.machineId, live: live.has(m.machineId) })),
      units: out,
    };
  }

  /**
   * The history so far, its runs from the heartbeats as known now: read it at least
   * `HEARTBEAT_OPEN_MS` after the final state, so that a unit that stopped just before the final
   * read is seen to have stopped (its heartbeats simply ended) rather than still running.
   */
  history(final?: FinalState): History {
    const h = this.recorder.history();
    const runs = this.heartbeats.runs(mono());
    return { ...h, runs, ...(final === undefined ? {} : { final }) };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.sampling;
    await this.etcd.stop();
    await this.heartbeats.close();
  }

  /** Writes the history, the raw etcd events and the run's notes under `dir`. */
  async dump(dir: string, final?: FinalState): Promise<void> {
    await mkdir(dir, { recursive: true });
    const names = Object.fromEntries(this.c.nodes.map((m) => [m.machineId, m.name]));
    await writeFile(
      join(dir, 'history.json'),
      JSON.stringify({ machines: names, history: this.history(final) }, null, 1),
    );
    await writeFile(
      join(dir, 'etcd-events.jsonl'),
      this.etcd.events.map((e) => JSON.stringify(e)).join('\n') + '\n',
    );
    await writeFile(join(dir, 'notes.txt'), this.log.join('\n') + '\n');
  }
}

function candidate(value: string | undefined): string | undefined {
  try {
    const v = JSON.parse(value ?? '') as { candidateId?: unknown };
    return typeof v.candidateId === 'string' ? v.candidateId : undefined;
  } catch {
    return undefined;
  }
}
