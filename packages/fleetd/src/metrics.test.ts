// The agent's daemon-reload counters and per-phase times reach /metrics.
import type { AgentMetrics } from '@fleet/agent';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('fleetd metrics', () => {
  it("exports the agent's reload counters and its time per phase", async () => {
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
    const agent: AgentMetrics = {
      passes: 1,
      passFailures: 0,
      tasks: 3,
      taskFailures: 0,
      registrations: 1,
      assignmentChanges: 1,
      daemonReloads: 2,
      daemonReloadsSkipped: 7,
      phaseMs,
    };
    const reg = createMetrics(() => ({ agent }));
    const text = await reg.metrics();
    expect(text).toContain('fleet_agent_daemon_reload_count_total 2');
    expect(text).toContain('fleet_agent_daemon_reload_skipped_count_total 7');
    expect(text).toContain('fleet_agent_phase_seconds_total{phase="wake"} 0.02');
    expect(text).toContain('fleet_agent_phase_seconds_total{phase="start"} 1.5');
  });
});
