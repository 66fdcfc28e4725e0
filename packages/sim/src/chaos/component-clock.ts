// One process's view of time in the simulation: the world's manual clock, plus an offset (a
// wall-clock step) and a pause (SIGSTOP: timers due while paused fire at the resume, in order).
import type { Clock } from '@fleet/runtime';

interface Held {
  readonly seq: number;
  readonly fn: () => void;
}

export class ComponentClock implements Clock {
  private offset = 0;
  private pausedAt: number | undefined;
  private held: Held[] = [];
  private seq = 0;
  private dead = false;

  constructor(private readonly base: Clock) {}

  now(): number {
    return this.base.now() + this.offset;
  }

  setTimer(delayMs: number, fn: () => void): () => void {
    let cancelled = false;
    const seq = this.seq++;
    const fire = () => {
      if (cancelled || this.dead) return;
      if (this.pausedAt !== undefined) this.held.push({ seq, fn: () => !cancelled && fn() });
      else fn();
    };
    const cancel = this.base.setTimer(delayMs, fire);
    return () => {
      cancelled = true;
      cancel();
    };
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  pause(): void {
    this.pausedAt ??= this.base.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.pausedAt = undefined;
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    for (const h of held) h.fn();
  }

  /** The wall clock jumps forward by `ms` (timers keep their monotonic due times). */
  step(ms: number): void {
    this.offset += ms;
  }

  /** The process is gone: no timer of it fires again. */
  kill(): void {
    this.dead = true;
    this.held = [];
  }
}
