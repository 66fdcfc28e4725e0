// The chaos run's workload: API writes through the fleet API of a random running machine, each
// logged with its start, end and outcome (ok; error: the server refused it, so nothing changed;
// unknown: it may or may not have applied). Units come in four kinds, kept few so that every
// launched unit can always be placed on the live machines:
//   plain   n-<k>.service                          anywhere
//   global  g-<k>.service   Global=true            every machine (at most 2)
//   excl    x-<k>.service   Conflicts=x-*.service  one per machine (at most 2)
//   pair    ra-<k>.service, rb-<k>.service with Replaces=ra-<k>.service (at most 1 pair)
// Units with relations (excl, pair) take SLOW_STOP_MS to stop, so that a conflicting unit started
// before the stop finished (reliability review F9) shows in the heartbeats.
import { ApiError, type WireUnitOption } from '@fleet/client';
import type { RegisterValue, UnitSpec, WriteOutcome } from '@fleet/testkit';
import { mono } from './chaos-clock.js';
import { heartbeatService } from './chaos-heartbeats.js';
import type { Rng } from './chaos-rng.js';
import type { Cluster } from './cluster.js';
import type { ChaosRecording, Placeable } from './history.js';

const MAX_UNITS = 10;
/** How long units with Conflicts= or Replaces= relations keep running after SIGTERM. */
export const SLOW_STOP_MS = 2_000;
const STATES = ['launched', 'launched', 'loaded', 'inactive'] as const;

/** A unit's kind, from its name. */
function kindOf(unit: string): 'plain' | 'global' | 'excl' | 'replaced' | 'replacer' {
  if (unit.startsWith('g-')) return 'global';
  if (unit.startsWith('x-')) return 'excl';
  if (unit.startsWith('ra-')) return 'replaced';
  if (unit.startsWith('rb-')) return 'replacer';
  return 'plain';
}

/** The workload's placement rules (see the top of the file), for the pending observations. */
export const placeable: Placeable = (unit, launched, live) => {
  if (live === 0) return false;
  switch (kindOf(unit)) {
    case 'excl':
      return [...launched].filter((u) => kindOf(u) === 'excl').length <= live;
    case 'replaced':
      return live >= 2 || !launched.has(unit.replace(/^ra-/, 'rb-'));
    default:
      return true;
  }
};

function spec(unit: string): UnitSpec {
  const k = kindOf(unit);
  return {
    name: unit,
    global: k === 'global',
    conflicts: k === 'excl' ? ['x-*.service'] : [],
    replaces: k === 'replacer' ? [unit.replace(/^rb-/, 'ra-')] : [],
  };
}

function xfleet(s: UnitSpec): WireUnitOption[] {
  return [
    ...(s.global ? [{ section: 'X-Fleet', name: 'Global', value: 'true' }] : []),
    ...s.conflicts.map((value) => ({ section: 'X-Fleet', name: 'Conflicts', value })),
    ...s.replaces.map((value) => ({ section: 'X-Fleet', name: 'Replaces', value })),
  ];
}

/** How an API call ended, for the history. */
function outcomeOf(err: unknown): WriteOutcome {
  if (err === undefined) return 'ok';
  // A 4xx is a refusal: the write was checked and not applied. Anything else (a 5xx after an
  // etcd timeout, a reset, our own timeout) may have been committed.
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) return 'error';
  return 'unknown';
}

export class Workload {
  /** Units that may exist (created, not known destroyed). */
  private readonly units = new Set<string>();
  private seq = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  readonly counts = { ok: 0, error: 0, unknown: 0 };

  constructor(
    private readonly c: Cluster,
    private readonly rec: ChaosRecording,
    private readonly rng: Rng,
  ) {}

  /** Global units that may exist (for `fleetConsistent`). */
  get globals(): string[] {
    return [...this.units].filter((u) => kindOf(u) === 'global');
  }

  /** Writes one step every 0.4–1.2 s until `pause()`. */
  resume(): void {
    if (this.running !== undefined) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        await this.step();
        await new Promise((r) => setTimeout(r, this.rng.int(400, 1_200)));
      }
    })();
  }

  /** Stops writing; resolves once the write in flight returned. */
  async pause(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.running = undefined;
  }

  /** One random write. */
  async step(): Promise<void> {
    const have = [...this.units].sort();
    const count = (k: ReturnType<typeof kindOf>) => have.filter((u) => kindOf(u) === k).length;
    const choices: (() => Promise<void>)[] = [];
    if (have.length < MAX_UNITS) {
      choices.push(() => this.create(`n-${++this.seq}.service`));
      choices.push(() => this.create(`n-${++this.seq}.service`));
      if (count('global') < 2) choices.push(() => this.create(`g-${++this.seq}.service`));
      if (count('excl') < 2) choices.push(() => this.create(`x-${++this.seq}.service`));
      if (count('replaced') === 0 && count('replacer') === 0) {
        const k = ++this.seq;
        // The replaced unit first, and the replacer once it runs: the engine moves ra- away
        // and the agent starts rb- in its place only after ra-'s slow stop (F9). Created back
        // to back, the engine may place ra- before it sees rb- and move it at once: a start and
        // a stop no write made while it ran explains, which the checker reports.
        choices.push(async () => {
          await this.create(`ra-${k}.service`);
          await new Promise((r) => setTimeout(r, 1_500));
          await this.create(`rb-${k}.service`);
        });
      }
    }
    if (have.length > 0) {
      choices.push(() => this.destroy(this.rng.pick(have)));
      choices.push(() => this.setState(this.rng.pick(have), this.rng.pick(STATES)));
      choices.push(() => this.setState(this.rng.pick(have), this.rng.pick(STATES)));
    }
    await this.rng.pick(choices)();
  }

  private via(): string {
    const up = this.c.nodes.filter((m) => m.running).map((m) => m.name);
    return up.length === 0 ? 'node1' : this.rng.pick(up);
  }

  private async write(
    unit: string,
    op: 'create' | 'destroy' | 'set-state',
    value: RegisterValue,
    call: (via: string) => Promise<unknown>,
  ): Promise<WriteOutcome> {
    const via = this.via();
    const id = this.rec.recorder.writeStarted(mono(), unit, op, value);
    let err: unknown;
    try {
      await call(via);
    } catch (e) {
      err = e;
    }
    const outcome = outcomeOf(err);
    // An indeterminate write stays open in the history, as Jepsen keeps an :info op open: the
    // server may apply it at any later time (a paused fleetd, SIGCONT'd after our timeout, does),
    // so it can be ordered after every later write. Ended at our timeout, the register checker
    // would call its late value a lost write (seen: seed 42, round 6).
    if (outcome !== 'unknown') this.rec.recorder.writeEnded(mono(), id, outcome);
    this.counts[outcome]++;
    if (outcome !== 'ok')
      this.rec.note(`${op} ${unit} → ${value} via ${via}: ${outcome}: ${(err as Error).message}`);
    return outcome;
  }

  private async create(unit: string): Promise<void> {
    const s = spec(unit);
    this.rec.describeUnit(s);
    const state = this.rng.pick(['launched', 'launched', 'launched', 'loaded'] as const);
    const related = s.conflicts.length > 0 || s.replaces.length > 0 || kindOf(unit) === 'replaced';
    const port = this.rec.heartbeats.port;
    const options = [...heartbeatService(port, related ? SLOW_STOP_MS : 0), ...xfleet(s)];
    const outcome = await this.write(unit, 'create', state, (via) =>
      this.c.api(via).createUnit({ name: unit, options, desiredState: state }),
    );
    if (outcome !== 'error') this.units.add(unit);
  }

  private async destroy(unit: string): Promise<void> {
    const outcome = await this.write(unit, 'destroy', 'absent', (via) =>
      this.c.api(via).destroyUnit(unit),
    );
    if (outcome === 'ok') this.units.delete(unit);
  }

  private async setState(unit: string, state: (typeof STATES)[number]): Promise<void> {
    await this.write(unit, 'set-state', state, (via) =>
      this.c.api(via).setDesiredState(unit, state),
    );
  }
}
