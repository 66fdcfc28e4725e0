// Naming a machine: its IP, its hostname (reported by its agent, or resolved here), or an ID
// prefix; one clear line when the name fits none or several.
import type { WireMachine } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import type { Context } from '../cli/context.js';
import { machineByPrefix } from './targets.js';

const A: WireMachine = {
  id: 'c31e44e1f7f4441ab4b9b9a6b3f5f0a1',
  primaryIP: '127.0.0.1',
  health: { hostname: 'node1' },
};
const B: WireMachine = {
  id: 'c4f0a2b35e6c4f7a8b9c0d1e2f3a4b5c',
  primaryIP: '127.0.0.12',
  health: { hostname: 'node2' },
};
const C: WireMachine = { id: 'e0f0a2b35e6c4f7a8b9c0d1e2f3a4b5c', primaryIP: '127.0.0.13' };

function ctx(machines: readonly WireMachine[]): Context {
  const byId = new Map(machines.map((m) => [m.id, m]));
  return { machines: () => Promise.resolve(byId) } as unknown as Context;
}

describe('machineByPrefix', () => {
  const cluster = ctx([A, B, C]);

  it.each([
    ['127.0.0.12', B],
    ['127.0.0.13', C],
    ['node2', B],
    ['node1', A],
    ['c31', A],
    ['e', C],
  ])('%s', async (name, machine) => {
    expect(await machineByPrefix(cluster, name)).toBe(machine);
  });

  it('resolves a hostname only this side knows (localhost) to the machine with its IP', async () => {
    expect(await machineByPrefix(cluster, 'localhost')).toBe(A);
  });

  it.each([
    ['c', 'found more than one machine with ID prefix "c"'],
    ['node3', 'machine "node3" does not exist'],
    ['127.0.0.99', 'machine "127.0.0.99" does not exist'],
  ])('%s: %s', async (name, message) => {
    await expect(machineByPrefix(cluster, name)).rejects.toThrow(message);
  });

  it('two machines with one hostname: says so', async () => {
    const twins = ctx([A, { ...B, health: { hostname: 'node1' } }]);
    await expect(machineByPrefix(twins, 'node1')).rejects.toThrow(
      'found more than one machine with hostname "node1"',
    );
  });
});
