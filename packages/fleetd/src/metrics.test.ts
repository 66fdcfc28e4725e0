// fleetd's /metrics text: Prometheus types and names, the engine's, agent's and registry's series.
import type { AgentMetrics } from '@fleet/agent';
import { newMetrics, type EngineMetrics } from '@fleet/engine';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

function agentMetrics(): AgentMetrics {
  const phaseMs = {
    wake: 20,
    read: 3,
    contents: 5,
    write: 1,
    link: 2,
    reload: 0,
    stop: 0,
    start: 1500,
  };
  return {
    passes: 4,
    passFailures: 1,
    tasks: 3,
    taskFailures: 0,
    registrations: 1,
    assignmentChanges: 1,
    daemonReloads: 2,
    daemonReloadsSkipped: 7,
    phaseMs,
  };
}

function leader(): EngineMetrics {
  const e = newMetrics();
  e.leaderSince = 1_700_000_000_000;
  e.reconciles = 12;
  e.reconcileFailures = 1;
  e.tasksByType = { schedule: 5, unschedule: 2 };
  e.waiting = 3;
  e.unitStates = () => ({ launched: 4, loaded: 1 });
  e.rolloutStates = () => ({ running: 1 });
  return e;
}

/** The families of an exposition text: name -> type, and whether it had HELP. */
function families(text: string): Map<string, { type?: string; help: boolean }> {
  const out = new Map<string, { type?: string; help: boolean }>();
  for (const line of text.split('\n')) {
    const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (m === null) continue;
    const f: { type?: string; help: boolean } = out.get(m[2]!) ?? { help: false };
    if (m[1] === 'HELP') f.help = m[3]!.trim() !== '';
    else if (m[3] !== undefined) f.type = m[3];
    out.set(m[2]!, f);
  }
  return out;
}

describe('fleetd metrics', () => {
  it('exports counters as *_total counters, with HELP on every series and no fleetd_ prefix', async () => {
    const m = createMetrics('1.2.3');
    m.attach({ agent: agentMetrics(), engine: leader() });
    const text = await m.registry.metrics();
    const fams = families(text);
    for (const [name, f] of fams) {
      expect(f.help, `${name} has HELP`).toBe(true);
      if (f.type === 'counter') expect(name).toMatch(/_total$/);
      if (name.endsWith('_total')) expect(f.type, name).toBe('counter');
    }
    expect(text).not.toContain('fleetd_');
    expect(fams.has('nodejs_active_handles_total')).toBe(false);
    expect(fams.get('nodejs_active_handles')?.type).toBe('gauge');
    expect(fams.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(fams.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(fams.get('fleet_engine_reconcile_duration_seconds')?.type).toBe('histogram');
    expect(fams.get('fleet_registry_request_duration_seconds')?.type).toBe('histogram');
    expect(text).toContain('fleet_build_info{version="1.2.3"} 1');
  });

  it("exports the leader's engine series: leader, tasks by type, units by state, waiting, rollouts", async () => {
    const m = createMetrics('1.2.3');
    m.attach({ engine: leader() });
    const text = await m.registry.metrics();
    expect(text).toContain('fleet_engine_leader 1\n');
    expect(text).toContain('fleet_engine_leader_start_time_seconds 1700000000\n');
    expect(text).toContain('fleet_engine_reconciles_total 12\n');
    expect(text).toContain('fleet_engine_reconcile_failures_total 1\n');
    expect(text).toContain('fleet_engine_tasks_total{type="schedule"} 5\n');
    expect(text).toContain('fleet_engine_tasks_total{type="unschedule"} 2\n');
    expect(text).toContain('fleet_units{state="launched"} 4\n');
    expect(text).toContain('fleet_units{state="loaded"} 1\n');
    expect(text).toContain('fleet_units_waiting 3\n');
    expect(text).toContain('fleet_rollouts{state="running"} 1\n');
  });

  it('a follower says leader 0, no units or rollouts by state, and 0 waiting units', async () => {
    const m = createMetrics('1.2.3');
    const e = leader();
    e.leaderSince = undefined;
    m.attach({ engine: e });
    const text = await m.registry.metrics();
    expect(text).toContain('fleet_engine_leader 0\n');
    expect(text).not.toMatch(/^fleet_units\{/m);
    expect(text).toContain('fleet_units_waiting 0\n');
    expect(text).not.toMatch(/^fleet_rollouts\{/m);
    expect(text).toContain('fleet_engine_leader_start_time_seconds 0\n');
  });

  it("times the engine's passes in a histogram in seconds", async () => {
    const m = createMetrics('1.2.3');
    const e = leader();
    m.attach({ engine: e });
    e.onPass?.(30);
    e.onPass?.(2000);
    const text = await m.registry.metrics();
    expect(text).toContain('fleet_engine_reconcile_duration_seconds_bucket{le="0.025"} 0\n');
    expect(text).toContain('fleet_engine_reconcile_duration_seconds_bucket{le="0.05"} 1\n');
    expect(text).toContain('fleet_engine_reconcile_duration_seconds_bucket{le="2.5"} 2\n');
    expect(text).toContain('fleet_engine_reconcile_duration_seconds_sum 2.03\n');
    expect(text).toContain('fleet_engine_reconcile_duration_seconds_count 2\n');
  });

  it("exports the registry's request durations by op and its errors by op and code", async () => {
    const m = createMetrics('1.2.3');
    m.onRequest('range', 0.002);
    m.onRequest('range', 0.004);
    m.onRequest('txn', 1.5, 'unavailable');
    const text = await m.registry.metrics();
    expect(text).toContain('fleet_registry_request_duration_seconds_count{op="range"} 2\n');
    expect(text).toContain('fleet_registry_request_duration_seconds_count{op="txn"} 1\n');
    expect(text).toContain('fleet_registry_request_errors_total{op="txn",code="unavailable"} 1\n');
    expect(text).not.toContain('fleet_registry_request_errors_total{op="range"');
  });

  it("exports the agent's counters and its time per phase in seconds", async () => {
    const m = createMetrics('1.2.3');
    m.attach({ agent: agentMetrics() });
    const text = await m.registry.metrics();
    expect(text).toContain('fleet_agent_passes_total 4\n');
    expect(text).toContain('fleet_agent_pass_failures_total 1\n');
    expect(text).toContain('fleet_agent_daemon_reloads_total 2\n');
    expect(text).toContain('fleet_agent_daemon_reloads_skipped_total 7\n');
    expect(text).toContain('fleet_agent_phase_seconds_total{phase="wake"} 0.02\n');
    expect(text).toContain('fleet_agent_phase_seconds_total{phase="start"} 1.5\n');
  });

  it('counters read from running totals follow them from scrape to scrape', async () => {
    const m = createMetrics('1.2.3');
    const a = agentMetrics();
    m.attach({ agent: a });
    await m.registry.metrics();
    a.passes = 9;
    expect(await m.registry.metrics()).toContain('fleet_agent_passes_total 9\n');
  });
});
