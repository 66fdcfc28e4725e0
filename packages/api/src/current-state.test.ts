import type { UnitState } from '@fleet/registry';
import { describe, expect, it } from 'vitest';
import { currentStateOf } from './current-state.js';

const H = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

describe('currentStateOf', () => {
  const cases: [
    string,
    'inactive' | 'loaded' | 'launched' | undefined,
    Pick<UnitState, 'hash' | 'activeState' | 'state'> | undefined,
    string,
  ][] = [
    ['no assignment, no state', undefined, undefined, 'inactive'],
    ['no assignment, a stale state', undefined, { hash: H, activeState: 'active' }, 'inactive'],
    ['assigned, nothing published yet', 'launched', undefined, 'inactive'],
    [
      'assigned, state for another hash',
      'launched',
      { hash: OTHER, activeState: 'active' },
      'inactive',
    ],
    [
      'agent says launched',
      'loaded',
      { hash: H, activeState: 'inactive', state: 'launched' },
      'launched',
    ],
    [
      'agent says loaded',
      'launched',
      { hash: H, activeState: 'active', state: 'loaded' },
      'loaded',
    ],
    [
      'no agent word, launched + active',
      'launched',
      { hash: H, activeState: 'active' },
      'launched',
    ],
    [
      'no agent word, launched + activating',
      'launched',
      { hash: H, activeState: 'activating' },
      'launched',
    ],
    [
      'no agent word, launched + reloading',
      'launched',
      { hash: H, activeState: 'reloading' },
      'launched',
    ],
    ['no agent word, launched + failed', 'launched', { hash: H, activeState: 'failed' }, 'loaded'],
    [
      'no agent word, launched + inactive',
      'launched',
      { hash: H, activeState: 'inactive' },
      'loaded',
    ],
    ['no agent word, loaded + active', 'loaded', { hash: H, activeState: 'active' }, 'loaded'],
    [
      'no agent word, inactive assignment',
      'inactive',
      { hash: H, activeState: 'active' },
      'loaded',
    ],
  ];
  it.each(cases)('%s', (_what, desired, published, expected) => {
    const assignment = desired === undefined ? undefined : { desiredState: desired };
    expect(currentStateOf(H, assignment, published)).toBe(expected);
  });
});

describe('currentStateOf on the registry record', () => {
  const base: UnitState = {
    unit: 'a.service',
    machineId: 'm1',
    hash: H,
    loadState: 'loaded',
    activeState: 'active',
    subState: 'running',
    revision: '5',
  };
  it("reads the agent's state when it reports one, else the hash and systemd's active state", () => {
    // loaded + active says loaded: only the agent's own word makes this launched.
    expect(currentStateOf(H, { desiredState: 'loaded' }, { ...base, state: 'launched' })).toBe(
      'launched',
    );
    expect(currentStateOf(H, { desiredState: 'launched' }, { ...base, state: 'loaded' })).toBe(
      'loaded',
    );
    expect(currentStateOf(H, { desiredState: 'launched' }, base)).toBe('launched');
    expect(currentStateOf(H, { desiredState: 'launched' }, { ...base, hash: OTHER })).toBe(
      'inactive',
    );
  });
});
