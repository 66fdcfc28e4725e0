// The table cluster-bench prints at the end: what users wait for, this project (median / worst),
// plain systemd in the same machines and run, the aim, and Go fleet's figure from the
// issue's run (Go fleet cannot be built here).
import { median, percentile } from './cluster-probes.js';

export interface Row {
  what: string;
  ours: string;
  systemd: string;
  aim: string;
  go: string;
}

/** 123 ms below a second, 1.23 s above. */
export const fmt = (ms: number): string =>
  Number.isNaN(ms) ? '?' : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;

/** "median / worst" of a sample (one sample: just it); "—" without any. */
export const medWorst = (xs: readonly number[]): string =>
  xs.length === 0
    ? '—'
    : xs.length === 1
      ? fmt(xs[0] ?? NaN)
      : `${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;

/** "median / p99" (nearest rank). */
export const medP99 = (xs: readonly number[]): string =>
  xs.length === 0 ? '—' : `${fmt(median(xs))} / ${fmt(percentile(xs, 99))}`;

export function printTable(title: string, rows: readonly Row[]): void {
  const head: Row = {
    what: 'what users wait for',
    ours: 'this project (median / worst)',
    systemd: 'plain systemd (median / worst)',
    aim: "issue's aim",
    go: "Go fleet (issue's run)",
  };
  const cols = ['what', 'ours', 'systemd', 'aim', 'go'] as const;
  const width = Object.fromEntries(
    cols.map((k) => [k, Math.max(...[head, ...rows].map((r) => r[k].length))]),
  ) as Record<(typeof cols)[number], number>;
  const line = (r: Row) => `| ${cols.map((k) => r[k].padEnd(width[k])).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(head));
  console.log(`| ${cols.map((k) => '-'.repeat(width[k])).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}
