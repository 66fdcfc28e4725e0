// HistoryRecorder: builds a chaos run's History (history.ts) as the run goes.
import type {
  FaultEvent,
  RunInterval,
  RegisterValue,
  WriteOutcome,
  UnitSpec,
  ApiWrite,
  AssignmentWrite,
  LeaderChange,
  LeaderPass,
  PendingObservation,
  ResourceSample,
  FinalState,
  History,
} from './history.js';
import type { FaultKind } from './vocabulary.js';

interface OpenRun {
  from: number;
  pid: number | undefined;
}

/**
 * Builds a History as a run goes. Times must come from one monotonic clock (the sim's manual
 * clock; CLOCK_MONOTONIC on the e2e host, shared by its containers).
 */
export class HistoryRecorder {
  private readonly faults: FaultEvent[] = [];
  private readonly runs: RunInterval[] = [];
  private readonly open = new Map<string, Map<string, OpenRun>>();
  private readonly writes: ApiWrite[] = [];
  private readonly units: Record<string, UnitSpec> = {};
  private readonly assignments: AssignmentWrite[] = [];
  private readonly leaders: LeaderChange[] = [];
  private readonly passes: LeaderPass[] = [];
  private readonly pendings: PendingObservation[] = [];
  private readonly resources: ResourceSample[] = [];
  private final: FinalState | undefined;
  private nextId = 1;

  constructor(readonly start: number) {}

  /** Records a fault's apply; returns the id to heal it with. */
  applyFault(
    at: number,
    kind: FaultKind,
    target: string,
    more: { machine?: string; detail?: string; extendsMs?: number } = {},
  ): number {
    const id = this.nextId++;
    this.faults.push({ at, phase: 'apply', id, kind, target, ...more });
    return id;
  }

  healFault(at: number, id: number): void {
    const applied = this.faults.find((f) => f.id === id && f.phase === 'apply');
    if (applied === undefined) throw new Error(`no fault ${id} was applied`);
    if (this.faults.some((f) => f.id === id && f.phase === 'heal')) return;
    const { kind, target, machine, detail, extendsMs } = applied;
    this.faults.push({
      at,
      phase: 'heal',
      id,
      kind,
      target,
      ...(machine === undefined ? {} : { machine }),
      ...(detail === undefined ? {} : { detail }),
      ...(extendsMs === undefined ? {} : { extendsMs }),
    });
  }

  /**
   * What runs on `machine` at `at` (unit name → main PID, if known): opens an interval for each
   * unit that started, closes one for each that stopped, and splits one whose PID changed.
   */
  observeUnits(
    at: number,
    machine: string,
    running: ReadonlyMap<string, number | undefined>,
  ): void {
    const mine = this.open.get(machine) ?? new Map<string, OpenRun>();
    this.open.set(machine, mine);
    for (const [unit, run] of [...mine]) {
      const now = running.get(unit);
      if (!running.has(unit) || (run.pid !== undefined && now !== undefined && now !== run.pid)) {
        this.closeRun(machine, unit, run, at);
        mine.delete(unit);
      }
    }
    for (const [unit, pid] of running) if (!mine.has(unit)) mine.set(unit, { from: at, pid });
  }

  private closeRun(machine: string, unit: string, run: OpenRun, to: number): void {
    this.runs.push({
      unit,
      machine,
      from: run.from,
      to,
      ...(run.pid === undefined ? {} : { pid: run.pid }),
    });
  }

  /** Records a unit's relations (on create; the last one recorded wins). */
  describeUnit(spec: UnitSpec): void {
    this.units[spec.name] = spec;
  }

  /** An API write began; returns the id to end it with. */
  writeStarted(at: number, unit: string, op: ApiWrite['op'], value: RegisterValue): number {
    const id = this.nextId++;
    this.writes.push({ id, unit, op, value, start: at });
    return id;
  }

  writeEnded(at: number, id: number, outcome: WriteOutcome): void {
    const i = this.writes.findIndex((w) => w.id === id);
    const w = this.writes[i];
    if (w === undefined) throw new Error(`no write ${id} was started`);
    this.writes[i] = { ...w, end: at, outcome };
  }

  assignment(a: AssignmentWrite): void {
    this.assignments.push(a);
  }

  leader(change: LeaderChange): void {
    const last = this.leaders[this.leaders.length - 1];
    if (last !== undefined && last.holder === change.holder && last.token === change.token) return;
    this.leaders.push(change);
  }

  pass(p: LeaderPass): void {
    this.passes.push(p);
  }

  observePending(o: PendingObservation): void {
    this.pendings.push(o);
  }

  sample(s: ResourceSample): void {
    this.resources.push(s);
  }

  finish(final: FinalState): void {
    this.final = final;
  }

  /** The history so far (open runs stay open; they are running at its end). */
  history(): History {
    const runs = [...this.runs];
    for (const [machine, mine] of this.open)
      for (const [unit, run] of mine)
        runs.push({
          unit,
          machine,
          from: run.from,
          ...(run.pid === undefined ? {} : { pid: run.pid }),
        });
    runs.sort(
      (a, b) =>
        a.from - b.from ||
        cmp(a.machine, b.machine) ||
        cmp(a.unit, b.unit) ||
        (a.to ?? Infinity) - (b.to ?? Infinity),
    );
    return {
      start: this.start,
      faults: [...this.faults],
      runs,
      writes: [...this.writes],
      units: { ...this.units },
      assignments: [...this.assignments],
      leaders: [...this.leaders],
      passes: [...this.passes],
      pending: [...this.pendings],
      resources: [...this.resources],
      ...(this.final === undefined ? {} : { final: this.final }),
    };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
