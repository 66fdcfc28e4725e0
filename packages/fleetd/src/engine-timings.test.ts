import { describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { engineTimings } from './engine-timings.js';

describe("the engine's timings from the configuration", () => {
  it('by default: a 5 s leader lease (1 s interval) and a 10 s grace (5 s TTL + 5 s)', () => {
    const t = engineTimings(buildConfig({}).config);
    expect(t).toEqual({ reconcileIntervalMs: 1_000, machineGraceMs: 10_000 });
  });

  it("with fleet's values: a 10 s leader lease (2 s interval) and a 35 s grace", () => {
    const text = 'agent_ttl="30s"\nengine_reconcile_interval=2';
    const { config } = buildConfig({ file: { path: '/etc/fleet/fleet.conf', text } });
    expect(engineTimings(config)).toEqual({ reconcileIntervalMs: 2_000, machineGraceMs: 35_000 });
  });
});
