// One fleetd's connection to its machine's (fake) systemd, with faults: the bus unavailable,
// links failing, stop jobs that wait (a slow TimeoutStopSec ahead of them), and the process
// paused or dead. The FakeSystemd under it is the machine's: it outlives the fleetd.
import type { Clock } from '@fleet/runtime';
import {
  SystemdTimeoutError,
  SystemdUnavailableError,
  type FakeSystemd,
  type Systemd,
  type SystemdUnitStatus,
} from '@fleet/systemd';
import { overriding } from '@fleet/testkit';

export type BusMode = 'ok' | 'paused' | 'dead';

/** The controls of one fleetd's systemd connection. */
export class SystemdLink {
  mode: BusMode = 'ok';
  /** Every bus call fails with SYSTEMD_UNAVAILABLE. */
  unavailable = false;
  /** Every `link` fails with a timeout (the write before it happened). */
  failingLink = false;
  /** Stop jobs wait this long before they run. */
  slowStopMs = 0;
  private resumers: (() => void)[] = [];
  /** Stop jobs queued behind the slow one: unit → cancel. */
  private readonly pendingStops = new Map<string, () => void>();

  constructor(
    readonly fake: FakeSystemd,
    private readonly clock: Clock,
  ) {}

  setMode(mode: BusMode): void {
    if (this.mode === 'dead') return;
    this.mode = mode;
    if (mode !== 'paused') {
      const r = this.resumers;
      this.resumers = [];
      for (const fn of r) fn();
    }
  }

  /** Runs every queued slow stop now (the fault healed). */
  flushStops(): void {
    for (const [name, cancel] of [...this.pendingStops]) {
      cancel();
      this.pendingStops.delete(name);
      void this.fake.stop(name).catch(() => undefined);
    }
  }

  private async gate(operation: string): Promise<void> {
    while (this.mode === 'paused') await new Promise<void>((r) => this.resumers.push(r));
    if (this.mode === 'dead') await new Promise<never>(() => undefined); // a dead process waits for ever
    if (this.unavailable)
      throw new SystemdUnavailableError('the bus is unavailable (simulated)', { operation });
  }

  private async after<T>(value: T): Promise<T> {
    while (this.mode === 'paused') await new Promise<void>((r) => this.resumers.push(r));
    if (this.mode === 'dead') await new Promise<never>(() => undefined);
    return value;
  }

  /** The Systemd port this fleetd uses. */
  port(): Systemd {
    const fake = this.fake;
    const call =
      <A extends unknown[], R>(op: string, fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        await this.gate(op);
        return this.after(await fn(...a));
      };
    return overriding<Systemd>(fake, {
      writeUnit: call('writeUnit', (n: string, c: string) => fake.writeUnit(n, c)),
      removeUnit: call('removeUnit', (n: string) => fake.removeUnit(n)),
      listUnitFiles: call('listUnitFiles', () => fake.listUnitFiles()),
      link: call('link', (n: string) => {
        if (this.failingLink)
          return Promise.reject(
            new SystemdTimeoutError('no reply within 10000 ms (simulated)', {
              operation: `LinkUnitFiles ${n}`,
            }),
          );
        return fake.link(n);
      }),
      enable: call('enable', (n: string) => fake.enable(n)),
      disable: call('disable', (n: string) => fake.disable(n)),
      daemonReload: call('daemonReload', () => fake.daemonReload()),
      needDaemonReload: call('needDaemonReload', (names: readonly string[]) =>
        fake.needDaemonReload(names),
      ),
      start: call('start', (n: string) => {
        this.pendingStops.get(n)?.(); // the start job replaces the waiting stop job
        this.pendingStops.delete(n);
        return fake.start(n);
      }),
      stop: call('stop', (n: string) => {
        if (this.slowStopMs <= 0) return fake.stop(n);
        if (!this.pendingStops.has(n)) {
          const cancel = this.clock.setTimer(this.slowStopMs, () => {
            this.pendingStops.delete(n);
            void fake.stop(n).catch(() => undefined);
          });
          this.pendingStops.set(n, cancel);
        }
        return Promise.resolve(); // StopUnit resolves once the job is queued
      }),
      resetFailed: call('resetFailed', (n: string) => fake.resetFailed(n)),
      systemState: call('systemState', () => fake.systemState()),
      unitStates: call('unitStates', async (names: readonly string[]) => {
        const states = await fake.unitStates(names);
        for (const n of this.pendingStops.keys()) {
          const s = states.get(n);
          if (s !== undefined && s.job === undefined)
            states.set(n, { ...s, job: 'stop' } as SystemdUnitStatus);
        }
        return states;
      }),
      onChange: (listener) =>
        fake.onChange((changes) => {
          if (this.mode === 'ok') listener(changes);
        }),
    });
  }
}
