import { InMemoryRegistry } from '@fleet/registry';
import { ManualClock } from '@fleet/runtime';
import type { SystemdUnitStatus } from '@fleet/systemd';
import { unitHash } from '@fleet/unit';
import { describe, expect, it } from 'vitest';
import { GlobalUnits, selfFenceAt, unitsToFence } from './fence.js';
import { unitOptions } from './testing/index.js';

const running: SystemdUnitStatus = { load: 'loaded', active: 'active', sub: 'running' };
const dead: SystemdUnitStatus = { load: 'loaded', active: 'inactive', sub: 'dead' };

describe('selfFenceAt', () => {
  it.each([
    [2, 1_000], // TTL/5 is below the 1 s floor
    [5, 4_000],
    [10, 8_000],
    [30, 24_000],
  ])('fences a %i s lease %i ms after its last acknowledged renewal', (ttl, after) => {
    expect(selfFenceAt(1_000_000, ttl)).toBe(1_000_000 + after);
  });
});

describe('unitsToFence', () => {
  it('names the running units not known to be global, sorted', async () => {
    const registry = new InMemoryRegistry({ clock: new ManualClock() });
    await registry.createUnit({
      name: 'exporter.service',
      options: unitOptions('exporter.service', true),
      desiredState: 'launched',
    });
    await registry.createUnit({
      name: 'web.service',
      options: unitOptions('web.service'),
      desiredState: 'launched',
    });
    const g = unitHash(unitOptions('exporter.service', true));
    const w = unitHash(unitOptions('web.service'));
    const globals = new GlobalUnits();
    await globals.learn(
      [
        { name: 'exporter.service', hash: g },
        { name: 'web.service', hash: w },
      ],
      registry,
    );
    await registry.close();
    expect([globals.isGlobal(g), globals.isGlobal(w), globals.isGlobal('never-read')]).toEqual([
      true,
      false,
      undefined,
    ]);
    const files = [
      { name: 'web.service', hash: w },
      { name: 'exporter.service', hash: g },
      { name: 'adopted.service', hash: 'never-read' },
      { name: 'idle.service', hash: 'w2' },
    ];
    const states = new Map<string, SystemdUnitStatus>([
      ['web.service', running],
      ['exporter.service', running],
      ['adopted.service', { ...running, active: 'activating' }],
      ['idle.service', dead],
    ]);
    expect(unitsToFence(files, states, globals)).toEqual(['adopted.service', 'web.service']);
  });
});
