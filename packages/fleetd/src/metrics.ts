// fleetd's Prometheus series (docs/operating.md, "Metrics and logs"): the engine's and agent's,
// read from the plain counters they keep when /metrics is scraped; the engine's pass durations and
// the registry's etcd requests, observed as they happen; the build; Node's defaults.
import type { AgentMetrics } from '@fleet/agent';
import type { EngineMetrics } from '@fleet/engine';
import type { KvRequestObserver } from '@fleet/registry/etcd';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { labelledCounter, labelledGauge, readGauge, totalCounter } from './metrics-kit.js';

/** Where the fleet series are read from: this fleetd's agent and engine (if any). */
export interface MetricsSources {
  readonly agent?: AgentMetrics;
  readonly engine?: EngineMetrics;
}

/** fleetd's metrics: the registry /metrics serves, and the hooks that feed it. */
export interface FleetdMetrics {
  readonly registry: Registry;
  /** The etcd registry's hook (EtcdKvOptions.onRequest). */
  readonly onRequest: KvRequestObserver;
  /** Reads the agent's and engine's counters from now on, and times the engine's passes. */
  attach(sources: MetricsSources): void;
}

/** Seconds: from a fraction of a millisecond (an etcd read) to seconds (a loaded cluster's pass). */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Node's default gauges named `*_total` (sums of `nodejs_active_*{type}`). */
const NODE_TOTAL_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Builds fleetd's metrics for this build of fleet. */
export function createMetrics(version: string): FleetdMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool refuses; their series by type stay (without _total).
  for (const name of NODE_TOTAL_GAUGES) registry.removeSingleMetric(name);
  let sources: MetricsSources = {};
  new Gauge({
    name: 'fleet_build_info',
    help: 'Always 1; the version label is the fleet version this fleetd runs',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version }, 1);
  const passes = new Histogram({
    name: 'fleet_engine_reconcile_duration_seconds',
    help: "Duration of the engine leader's reconcile passes in seconds",
    buckets: BUCKETS,
    registers: [registry],
  });
  engineSeries(registry, () => sources.engine);
  agentSeries(registry, () => sources.agent);
  return {
    registry,
    onRequest: registrySeries(registry),
    attach(next) {
      sources = next;
      if (next.engine) next.engine.onPass = (ms) => passes.observe(ms / 1000);
    },
  };
}

function engineSeries(reg: Registry, read: () => EngineMetrics | undefined): void {
  const leading = () => {
    const e = read();
    return e?.leaderSince === undefined ? undefined : e;
  };
  readGauge(reg, 'fleet_engine_leader', 'Whether this engine is the leader (1) or not (0)', () => {
    const e = read();
    return e === undefined ? undefined : e.leaderSince === undefined ? 0 : 1;
  });
  readGauge(
    reg,
    'fleet_engine_leader_start_time_seconds',
    'When this engine became leader, in unix seconds (no sample when it is not)',
    () => {
      const since = leading()?.leaderSince;
      return since === undefined ? undefined : since / 1000;
    },
  );
  totalCounter(
    reg,
    'fleet_engine_reconciles_total',
    'Engine reconcile passes completed',
    () => read()?.reconciles,
  );
  totalCounter(
    reg,
    'fleet_engine_reconcile_failures_total',
    'Engine reconcile passes that failed',
    () => read()?.reconcileFailures,
  );
  labelledCounter(
    reg,
    'fleet_engine_tasks_total',
    'Engine tasks written, by type (schedule, unschedule, update)',
    'type',
    () => read()?.tasksByType,
  );
  totalCounter(
    reg,
    'fleet_engine_task_failures_total',
    'Engine tasks held back or refused by the registry',
    () => read()?.taskFailures,
  );
  labelledGauge(reg, 'fleet_units', 'Units by desired state (leader only)', 'state', () =>
    leading()?.unitStates?.(),
  );
  readGauge(
    reg,
    'fleet_units_waiting',
    'Launched units the scheduler could not place in its last pass (leader only)',
    () => leading()?.waiting,
  );
  labelledGauge(reg, 'fleet_rollouts', 'Open rollouts by state (leader only)', 'state', () =>
    leading()?.rolloutStates?.(),
  );
}

function agentSeries(reg: Registry, read: () => AgentMetrics | undefined): void {
  const counters: [string, string, (a: AgentMetrics) => number][] = [
    ['fleet_agent_passes_total', 'Agent reconcile passes completed', (a) => a.passes],
    [
      'fleet_agent_pass_failures_total',
      'Agent reconcile passes that failed',
      (a) => a.passFailures,
    ],
    ['fleet_agent_tasks_total', 'Agent tasks applied', (a) => a.tasks],
    ['fleet_agent_task_failures_total', 'Agent tasks that failed', (a) => a.taskFailures],
    ['fleet_agent_registrations_total', 'Times this machine registered', (a) => a.registrations],
    [
      'fleet_agent_assignment_changes_total',
      "Changes of this machine's assignments that woke the agent",
      (a) => a.assignmentChanges,
    ],
    [
      'fleet_agent_daemon_reloads_total',
      'daemon-reloads the agent asked systemd for',
      (a) => a.daemonReloads,
    ],
    [
      'fleet_agent_daemon_reloads_skipped_total',
      'Plans whose daemon-reload was skipped: systemd held no unit whose file changed',
      (a) => a.daemonReloadsSkipped,
    ],
  ];
  for (const [name, help, get] of counters)
    totalCounter(reg, name, help, () => {
      const a = read();
      return a === undefined ? undefined : get(a);
    });
  labelledCounter(
    reg,
    'fleet_agent_phase_seconds_total',
    "Time the agent's passes that ran tasks spent per phase, in seconds (wake, read, contents, write, link, reload, stop, start)",
    'phase',
    () => {
      const times = read()?.phaseMs;
      if (times === undefined) return undefined;
      return Object.fromEntries(Object.entries(times).map(([phase, ms]) => [phase, ms / 1000]));
    },
  );
}

/** The series of etcd requests, and the hook that feeds them. */
function registrySeries(reg: Registry): KvRequestObserver {
  const duration = new Histogram({
    name: 'fleet_registry_request_duration_seconds',
    help: 'Duration of requests to etcd in seconds, by operation (each attempt of a retried call)',
    labelNames: ['op'],
    buckets: BUCKETS,
    registers: [reg],
  });
  const errors = new Counter({
    name: 'fleet_registry_request_errors_total',
    help: 'Requests to etcd that failed, by operation and error code',
    labelNames: ['op', 'code'],
    registers: [reg],
  });
  return (op, seconds, code) => {
    duration.observe({ op }, seconds);
    if (code !== undefined) errors.inc({ op, code });
  };
}
