// A logger for replaying one seed by hand: every agent and engine line, stamped with the
// simulation's clock, as one readable line each.
import type { Clock, Logger } from '@fleet/runtime';

export class TraceLogger implements Logger {
  constructor(
    private readonly clock: Clock,
    private readonly start: number,
    private readonly out: (line: string) => void,
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  private line(level: string, obj: object, msg?: string): void {
    const t = ((this.clock.now() - this.start) / 1000).toFixed(1);
    const who = [this.bindings['machine'], this.bindings['component']]
      .filter((x) => x !== undefined)
      .map((x) => String(x).slice(0, 8))
      .join(' ');
    const fields = Object.entries(obj)
      .filter(([k]) => k !== 'machine' && k !== 'component')
      .map(
        ([k, v]) =>
          `${k}=${v instanceof Error ? v.message : typeof v === 'string' ? v : JSON.stringify(v)}`,
      )
      .join(' ');
    this.out(`t+${t}s ${level} [${who}] ${msg ?? ''} ${fields}`);
  }
  debug(obj: object, msg?: string): void {
    this.line('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.line('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.line('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.line('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new TraceLogger(this.clock, this.start, this.out, { ...this.bindings, ...bindings });
  }
}
