import { describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { engineTimings } from './engine-timings.js';

describe("the engine's timings from the configuration", () => {
  it('by default: a 3 s leader lease (0.6 s interval) and a 5 s grace (the agent TTL)', () => {
    const t = engineTimings(buildConfig({}).config);
    expect(t).toEqual({ reconcileIntervalMs: 600, machineGraceMs: 5_000 });
  });

  it("with fleet's values: a 10 s leader lease (2 s interval) and a 30 s grace", () => {
    const text = 'agent_ttl="30s"\nengine_reconcile_interval=2';
    const { config } = buildConfig({ file: { path: '/etc/fleet/fleet.conf', text } });
    expect(engineTimings(config)).toEqual({ reconcileIntervalMs: 2_000, machineGraceMs: 30_000 });
  });
});
