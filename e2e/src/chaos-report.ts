// A chaos run's report (what `npm run chaos` prints) and its artefacts on failure:
// test-results/chaos/<seed>/ with the seed, the op log, the history, the raw etcd events and
// every machine's journal.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChaosReport, ChaosRun } from './chaos-run.js';
import type { Cluster } from './cluster.js';
import { projectDir } from './project.js';

const median = (xs: readonly number[]): number | undefined => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const secs = (ms: number | undefined): string =>
  ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;

/** The report's text: rounds, faults by kind, violations, settle times. */
export function formatReport(r: ChaosReport): string {
  const settles = r.rounds.flatMap((x) => (x.settleMs === undefined ? [] : [x.settleMs]));
  const never = r.rounds.filter((x) => x.settleMs === undefined).length;
  const kinds = [...r.injected].sort((a, b) => b[1] - a[1]);
  const lines = [
    `chaos seed ${r.seed}: ${r.rounds.length} rounds, ` +
      `${r.rounds.filter((x) => x.ops.length > 1).length} with two overlapping faults`,
    `faults injected: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `settle after the last heal: median ${secs(median(settles))}, longest ${secs(
      settles.length === 0 ? undefined : Math.max(...settles),
    )}${never > 0 ? `, ${never} round(s) never settled` : ''}`,
    `round length: median ${secs(median(r.rounds.map((x) => x.roundMs)))}, longest ${secs(
      Math.max(0, ...r.rounds.map((x) => x.roundMs)),
    )}`,
    `API writes: ${r.writes.ok} ok, ${r.writes.error} refused, ${r.writes.unknown} unknown`,
    `violations: ${r.violations.length}`,
    ...r.violations.map((v) => `  round ${v.round} ${v.invariant}: ${v.description}`),
  ];
  return lines.join('\n');
}

/** Writes the run's artefacts; returns the directory. */
export async function writeArtefacts(
  c: Cluster,
  run: ChaosRun,
  report: ChaosReport,
): Promise<string> {
  const dir = join(projectDir(), 'test-results', 'chaos', String(report.seed));
  await rm(dir, { recursive: true, force: true }); // an earlier run of the same seed
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'seed'), `${report.seed}\n`);
  await writeFile(join(dir, 'report.txt'), formatReport(report) + '\n');
  await writeFile(
    join(dir, 'report.json'),
    JSON.stringify({ ...report, injected: Object.fromEntries(report.injected) }, null, 1),
  );
  const final = await run.recording.finalState().catch(() => undefined);
  await run.recording.dump(dir, final);
  for (const m of c.nodes) {
    if (!m.running) continue;
    const r = await m
      .exec('journalctl', ['--no-pager', '-o', 'short-monotonic', '-n', '50000'], 60_000)
      .catch((err: unknown) => ({ stdout: `journal unavailable: ${(err as Error).message}\n` }));
    await writeFile(join(dir, `journal-${m.name}-${m.machineId}.txt`), r.stdout);
  }
  return dir;
}
