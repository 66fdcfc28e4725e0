// What cluster-bench found, printed: a few details, then the table of what users wait for.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { projectDir } from '../src/project.js';
import type { BatchRun, ListWalls } from './bench-batch.js';
import type { Failover, PowerOff } from './bench-faults.js';
import type { StartResults } from './bench-starts.js';
import { fmt, medP99, medWorst, printTable, type Row } from './bench-table.js';

export interface Results {
  starts: StartResults;
  batches: Map<number, BatchRun[]>;
  lists: ListWalls[];
  failovers: Failover[];
  poweroffs: PowerOff[];
}

export interface RunInfo {
  machines: number;
  batchRuns: number;
  agentTtl: string | undefined;
  /** fleetd's defaults of the options that decide failover times (from its compiled config). */
  defaults: string;
}

/** `agent_ttl=30s, engine_reconcile_interval=2.0, …` as fleetd's compiled config defaults them. */
export async function fleetDefaults(): Promise<string> {
  const url = pathToFileURL(join(projectDir(), 'packages/fleetd/dist/config.js')).href;
  const mod = (await import(url)) as { OPTIONS?: Record<string, { deflt?: string }> };
  return Object.entries(mod.OPTIONS ?? {})
    .filter(([k]) => /ttl|lease|reconcile|leader/.test(k))
    .map(([k, o]) => `${k}=${o.deflt ?? '?'}`)
    .join(', ');
}

const all = <T>(runs: readonly T[], f: (r: T) => number) => runs.map(f);

export function printResults(r: Results, info: RunInfo): void {
  const s = r.starts;
  console.log(
    `\nfleet on ${info.machines} systemd-nspawn machines (Debian 12), etcd (1 member) on loopback, ` +
      `node ${process.version}; one run. Settings: ` +
      (info.agentTtl !== undefined
        ? `agent_ttl=${info.agentTtl} (--agent-ttl); other fleetd defaults`
        : `fleetd's defaults (${info.defaults})`),
  );
  console.log(`\nsingle starts (${s.fleet.length}): median / p99 / min`);
  const d = (label: string, xs: readonly number[]) =>
    console.log(`  ${label.padEnd(50)} ${medP99(xs)} / ${fmt(Math.min(...xs))}`);
  d('fleetctl start --no-block → active', s.fleet);
  d('  of which fleetctl spawn → exit', s.fleetctlExit);
  d('  of which fleetctl exit → active', s.afterExit);
  d('systemctl start (unit file in place) → active', s.base);
  d('write unit, daemon-reload, systemctl start → active', s.baseReload);
  console.log(
    `  placed: ${[...s.placed]
      .sort()
      .map(([n, k]) => `${n} ${k}`)
      .join(', ')}`,
  );
  for (const [n, runs] of r.batches) {
    console.log(`batch of ${n}, ${runs.length} run(s), fleet's placement:`);
    for (const b of runs)
      console.log(
        `  ${[...b.placed]
          .sort()
          .map(([m, k]) => `${m} ${k}`)
          .join(', ')}: start ${fmt(b.start.done)} (fleetctl ${fmt(b.start.wall)}), ` +
          `destroy${b.noBlock ? ' --no-block' : ''} ${fmt(b.destroy.done)} ` +
          `(fleetctl ${fmt(b.destroy.wall)}); systemd ` +
          `${fmt(b.baseStart.done)}, ${fmt(b.baseStop.done)}\n    start's time in fleet (ms): ` +
          [...b.spent].map(([k, v]) => `${k} ${Math.round(v)}`).join(', '),
      );
  }
  if (r.failovers.length > 0) {
    const same = r.failovers.filter((f) => f.same).length;
    console.log(
      `engine failover: SIGKILL leader fleetd → new leader key ${medWorst(all(r.failovers, (f) => f.leader))}` +
        ` (median / worst); new leader on the killed leader's own machine: ${same} of ${r.failovers.length}`,
    );
  }
  for (const [k, p] of r.poweroffs.entries())
    console.log(
      `power-off ${k + 1}: ${p.units} units, active elsewhere after ${fmt(p.first)} (first), ` +
        `${fmt(p.median)} (median), ${fmt(p.last)} (last)`,
    );
  printTable(
    'what fleetctl users wait for (CLOCK_MONOTONIC; medians and worst cases of this one run)',
    rows(r),
  );
  console.log(
    [
      '',
      "Times run from just before the command is spawned (or the SIGKILL returned) to systemd's",
      'ActiveEnterTimestampMonotonic of the (last) unit, or, for "stopped", to the journal stamp of',
      'its "Stopped" line (a stopped unit is also gone from `systemctl list-units`; the bench waits',
      "for that too). fleetctl is bin/fleetctl (the bundle), against node1's TCP API from the host",
      "unless said otherwise; inside a machine it uses the machine's unix socket. Plain systemd: the",
      'same units split round-robin over the 3 machines, done through nsenter on all 3 at once;',
      "`systemctl list-units` lists node1's share only. p99 is nearest-rank. Go fleet's column is the",
      "issue's run (Go fleet cannot be built here): it was measured on another day, not in this run.",
    ].join('\n'),
  );
}

function rows(r: Results): Row[] {
  const out: Row[] = [];
  const issue = (n: number, aim: string, go: string) =>
    n === 100 ? { aim, go } : { aim: '—', go: '—' };
  for (const [n, runs] of r.batches) {
    out.push({
      what: `fleetctl start --no-block of ${n} unit files, invocation → all active (${runs.length} run${runs.length === 1 ? '' : 's'})`,
      ours: medWorst(all(runs, (b) => b.start.done)),
      systemd: medWorst(all(runs, (b) => b.baseStart.done)),
      ...issue(n, '≤ 1 s', '3.8 s'),
    });
    out.push({
      what: `  the same, fleetctl wall (systemd: the systemctl commands' wall)`,
      ours: medWorst(all(runs, (b) => b.start.wall)),
      systemd: medWorst(all(runs, (b) => b.baseStart.wall)),
      ...issue(n, '—', '1.6 s'),
    });
  }
  const s = r.starts;
  out.push({
    what: `one start --no-block, fleetctl returns → active (median / p99 of ${s.fleet.length})`,
    ours: medP99(s.afterExit),
    systemd: '—',
    aim: '≤ 0.1 s p50, ≤ 0.3 s p99',
    go: '2.30 s',
  });
  out.push({
    what: `  the same, invocation → active (systemd: write unit, daemon-reload, start)`,
    ours: medWorst(s.fleet),
    systemd: medWorst(s.baseReload),
    aim: '≤ 0.25 s',
    go: '2.59 s',
  });
  for (const [n, runs] of r.batches) {
    out.push({
      what: `fleetctl destroy of ${n} running units, invocation → all stopped (journal)`,
      ours: medWorst(all(runs, (b) => b.destroy.done)),
      systemd: medWorst(all(runs, (b) => b.baseStop.done)),
      ...issue(n, '≤ 2 s', '168 s'),
    });
    const waited = runs.filter((b) => !b.noBlock);
    const noBlock = runs.filter((b) => b.noBlock);
    out.push({
      what: `  the same, fleetctl wall, waiting until unloaded everywhere (${waited.length} runs; systemd: stop, rm, daemon-reload wall)`,
      ours: medWorst(all(waited, (b) => b.destroy.wall)),
      systemd: medWorst(all(runs, (b) => b.baseStop.wall)),
      ...issue(n, '—', '—'),
    });
    out.push({
      what: `  the same, fleetctl destroy --no-block wall, fleet's destroy: gone from the registry (${noBlock.length} runs)`,
      ours: medWorst(all(noBlock, (b) => b.destroy.wall)),
      systemd: '—',
      ...issue(n, '≤ 0.5 s', '0.5 s'),
    });
  }
  const l = r.lists;
  const n = l[0]?.units ?? 0;
  if (l.length > 0) {
    out.push({
      what: `fleetctl list-units with ${n} units, wall inside a machine (systemd: systemctl list-units)`,
      ours: medWorst(l.flatMap((w) => w.inside)),
      systemd: medWorst(l.flatMap((w) => w.systemctl)),
      ...issue(n, '≤ 60 ms', '53 ms'),
    });
    out.push({
      what: `  the same from the host (TCP API)`,
      ours: medWorst(l.flatMap((w) => w.host)),
      systemd: '—',
      aim: '—',
      go: '—',
    });
    out.push({
      what: `  node -e '' inside the same machine (Node.js alone, interleaved)`,
      ours: medWorst(l.flatMap((w) => w.node)),
      systemd: '—',
      aim: '—',
      go: '—',
    });
  }
  if (r.poweroffs.length > 0)
    out.push({
      what: `machine powered off → all its units active elsewhere (${r.poweroffs.length} run${r.poweroffs.length === 1 ? '' : 's'})`,
      ours: medWorst(all(r.poweroffs, (p) => p.last)),
      systemd: '—',
      aim: '≤ 10 s',
      go: '19–33 s',
    });
  if (r.failovers.length > 0)
    out.push({
      what: `engine leader's fleetd killed → a new unit active (${r.failovers.length} run${r.failovers.length === 1 ? '' : 's'})`,
      ours: medWorst(all(r.failovers, (f) => f.unit)),
      systemd: '—',
      aim: 'worst ≤ 5 s',
      go: '11.9 s / 25.8 s',
    });
  return out;
}
