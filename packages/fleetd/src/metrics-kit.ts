// Small builders over prom-client for series read from plain counters kept elsewhere (the engine's
// and agent's), so that the values stay plain numbers where they are counted and become a
// Counter or a Gauge only when /metrics is scraped.
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';

/** A counter read from a running total (undefined: 0, e.g. no engine). */
export function totalCounter(
  reg: PromRegistry,
  name: string,
  help: string,
  get: () => number | undefined,
): void {
  new Counter({
    name,
    help,
    registers: [reg],
    collect() {
      const v = get();
      this.reset();
      if (v !== undefined) this.inc(v);
    },
  });
}

/** A counter with one label, read from running totals by label value. */
export function labelledCounter(
  reg: PromRegistry,
  name: string,
  help: string,
  label: string,
  get: () => Readonly<Record<string, number>> | undefined,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [reg],
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(get() ?? {})) this.inc({ [label]: value }, n);
    },
  });
}

/** A gauge read when scraped (undefined: 0; prom-client always has a sample without labels). */
export function readGauge(
  reg: PromRegistry,
  name: string,
  help: string,
  get: () => number | undefined,
): void {
  new Gauge({
    name,
    help,
    registers: [reg],
    collect() {
      const v = get();
      this.reset();
      if (v !== undefined) this.set(v);
    },
  });
}

/** A gauge with one label, read when scraped (undefined: no samples). */
export function labelledGauge(
  reg: PromRegistry,
  name: string,
  help: string,
  label: string,
  get: () => Readonly<Record<string, number>> | undefined,
): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [reg],
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(get() ?? {})) this.set({ [label]: value }, n);
    },
  });
}
