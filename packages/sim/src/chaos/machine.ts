// One simulated machine: its config, its (fake) systemd, which outlives any fleetd on it, the
// fleetd running there now, and the session file it keeps in /run.
import type { ManualClock } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { MemorySessionStore, type SimFleetd } from './fleetd.js';

export interface MachineConfig {
  readonly id: string;
  readonly latency: { readonly start: number; readonly stop: number };
}

/**
 * A stand-in for each unit's main PID on one fake systemd: it changes when a start follows a
 * stop, so a restart between two observations (stop and start within one step, the unit never
 * seen inactive) still shows as a new run.
 */
class Generations {
  private seen = 0;
  private readonly gen = new Map<string, number>();
  private readonly stopped = new Set<string>();

  constructor(readonly fake: FakeSystemd) {}

  pid(unit: string): number {
    const calls = this.fake.calls;
    for (; this.seen < calls.length; this.seen++) {
      const c = calls[this.seen];
      if (c?.name === undefined) continue;
      if (c.method === 'stop') this.stopped.add(c.name);
      else if (c.method === 'start' && this.stopped.delete(c.name))
        this.gen.set(c.name, (this.gen.get(c.name) ?? 0) + 1);
    }
    return 1 + (this.gen.get(unit) ?? 0);
  }
}

export class SimMachine {
  fake: FakeSystemd;
  private generations: Generations | undefined;
  fleetd: SimFleetd | undefined;
  incarnations = 0;
  /** The host is switched off for good (a clone that went away). */
  gone = false;
  sessions = new MemorySessionStore();

  constructor(
    readonly config: MachineConfig,
    readonly index: number,
    private readonly base: ManualClock,
  ) {
    this.fake = this.newSystemd();
  }

  get id(): string {
    return this.config.id;
  }

  newSystemd(): FakeSystemd {
    return new FakeSystemd({ clock: this.base, latency: { ...this.config.latency, exit: 5 } });
  }

  /** The pseudo-PID of `unit` on this machine's current systemd. */
  pid(unit: string): number {
    if (this.generations === undefined || this.generations.fake !== this.fake)
      this.generations = new Generations(this.fake);
    return this.generations.pid(unit);
  }
}
