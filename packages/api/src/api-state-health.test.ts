// GET /fleet/v1/state: a unit state carries its health check's result only when the agent
// published one (not in fleet; fleet's clients ignore fields they do not know).
import { afterEach, expect, it } from 'vitest';
import type { UnitStatePage } from '@fleet/client';
import { Fixture } from './testing/index.js';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

it("shows a unit state's health when published, and no health field otherwise", async () => {
  fx = new Fixture();
  await fx.unit('a.service');
  await fx.unit('b.service');
  const health = {
    status: 'failing',
    output: 'HTTP 500',
    checkedAt: '2026-12-04T17:00:00.000Z',
  } as const;
  const hash = (await fx.registry.getUnit('a.service'))?.hash ?? '';
  const session = await fx.machine('m1');
  const active = { loadState: 'loaded', activeState: 'active', subState: 'running' };
  await session.publishUnitState({ unit: 'a.service', hash, ...active, health });
  await fx.publish('m1', 'b.service', 'active');
  const states = (await fx.request('GET', '/fleet/v1/state')).json<UnitStatePage>().states;
  expect(states.map((s) => [s.name, s.health])).toEqual([
    ['a.service', health],
    ['b.service', undefined],
  ]);
  expect(states.filter((s) => 'health' in s).map((s) => s.name)).toEqual(['a.service']);
});
