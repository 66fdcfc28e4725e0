import type { AgentMetrics } from '@fleet/agent';
import type { EngineMetrics } from '@fleet/engine';
import { Gauge, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';

/**
 * fleet's Prometheus series (`fleet_engine_*`), plus the agent's, read from the counters the
 * engine and agent keep, when /metrics is scraped.
 */
export function createMetrics(
  read: () => { engine?: EngineMetrics; agent?: AgentMetrics },
): PromRegistry {
  const reg = new PromRegistry();
  collectDefaultMetrics({ register: reg, prefix: 'fleetd_' });
  const gauge = (name: string, help: string, get: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [reg],
      collect() {
        const v = get();
        if (v !== undefined) this.set(v);
      },
    });
  gauge(
    'fleet_engine_leader_start_time',
    'When this engine became leader (unix seconds), 0 when not',
    () => {
      const s = read().engine?.leaderSince;
      return s === undefined ? 0 : s / 1000;
    },
  );
  gauge(
    'fleet_engine_reconcile_count_total',
    'Engine reconcile passes',
    () => read().engine?.reconciles,
  );
  gauge(
    'fleet_engine_reconcile_failure_count_total',
    'Failed engine reconcile passes',
    () => read().engine?.reconcileFailures,
  );
  gauge('fleet_engine_task_count_total', 'Engine tasks applied', () => read().engine?.tasks);
  gauge(
    'fleet_engine_task_failure_count_total',
    'Engine tasks that failed',
    () => read().engine?.taskFailures,
  );
  gauge('fleet_engine_reconcile_duration_second', 'Duration of the last engine pass', () => {
    const ms = read().engine?.lastReconcileMs;
    return ms === undefined ? undefined : ms / 1000;
  });
  gauge('fleet_agent_pass_count_total', 'Agent passes', () => read().agent?.passes);
  gauge('fleet_agent_task_count_total', 'Agent tasks applied', () => read().agent?.tasks);
  gauge(
    'fleet_agent_task_failure_count_total',
    'Agent tasks that failed',
    () => read().agent?.taskFailures,
  );
  gauge(
    'fleet_agent_registration_count_total',
    'Times this machine registered',
    () => read().agent?.registrations,
  );
  gauge(
    'fleet_agent_daemon_reload_count_total',
    'daemon-reloads the agent asked systemd for',
    () => read().agent?.daemonReloads,
  );
  gauge(
    'fleet_agent_daemon_reload_skipped_count_total',
    'Plans whose daemon-reload was skipped: systemd held no unit whose file changed',
    () => read().agent?.daemonReloadsSkipped,
  );
  new Gauge({
    name: 'fleet_agent_phase_seconds_total',
    help: "Time the agent's passes spent per phase (wake, read, contents, write, link, reload, stop, start)",
    labelNames: ['phase'],
    registers: [reg],
    collect() {
      const times = read().agent?.phaseMs;
      if (times === undefined) return;
      for (const [phase, ms] of Object.entries(times)) this.set({ phase }, ms / 1000);
    },
  });
  return reg;
}
