// Contract: rollout records, their history, content pins, the engine's fenced rollout writes and
// the operator's pause/resume.
import { unitHash } from '@fleet/unit';
import { expect, it } from 'vitest';
import type { Registry } from '../../registry.js';
import type { RolloutEvent, RolloutInput } from '../../rollout-types.js';
import type { ContractHarness } from './harness.js';
import { collector, eventually, options, rejectsWith, unit } from './harness.js';

const A = unitHash(options('a'));
const B = unitHash(options('b'));

/** A running rollout record of `web@.service`. */
export function rolloutRecord(extra: Partial<RolloutInput> = {}): RolloutInput {
  return {
    group: 'web@.service',
    id: 1,
    state: 'running',
    fromHash: A,
    toHash: B,
    units: ['web@1.service', 'web@2.service'],
    policy: { maxParallel: 1, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: true },
    copies: [
      {
        unit: 'web@1.service',
        machineId: 'm1',
        phase: 'replacing',
        replacedAt: '2026-12-04T10:00:00.000Z',
      },
      { unit: 'web@2.service', machineId: 'm2', phase: 'pending' },
    ],
    startedAt: '2026-12-04T10:00:00.000Z',
    updatedAt: '2026-12-04T10:00:01.000Z',
    ...extra,
  };
}

async function leaderToken(registry: Registry): Promise<string> {
  const lead = await registry.campaign('engine', 10);
  if (lead === undefined) throw new Error('no leadership');
  return lead.token;
}

/** Registers the rollout tests; `h()` is the current test's harness. */
export function rolloutContract(h: () => ContractHarness): void {
  it('writes a current record fenced, and reads it back with its revision', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    expect(await registry.getRollout('web@.service')).toEqual({ current: undefined, history: [] });
    const put = await registry.putRollout(token, rolloutRecord());
    expect(put).toEqual({ ...rolloutRecord(), revision: put.revision });
    expect(await registry.getRollout('web@.service')).toEqual({ current: put, history: [] });
    await registry.putRollout(token, rolloutRecord({ group: 'db.service', units: ['db.service'] }));
    const list = await registry.listRollouts();
    expect(list.items.map((r) => r.group)).toEqual(['db.service', 'web@.service']);
    expect(BigInt(list.revision)).toBeGreaterThan(BigInt(put.revision));
  });

  it('refuses a write with a stale token, a stale revision or a malformed record', async () => {
    const { registry } = h();
    const lead = await registry.campaign('engine', 10);
    const old = lead?.token ?? '';
    await lead?.resign();
    const token = await leaderToken(registry);
    await rejectsWith(registry.putRollout(old, rolloutRecord()), 'REGISTRY_NOT_LEADER');
    const first = await registry.putRollout(token, rolloutRecord(), '0');
    await rejectsWith(registry.putRollout(token, rolloutRecord(), '0'), 'REGISTRY_CONFLICT');
    const next = await registry.putRollout(
      token,
      rolloutRecord({ state: 'paused' }),
      first.revision,
    );
    await rejectsWith(
      registry.putRollout(token, rolloutRecord({ state: 'running' }), first.revision),
      'REGISTRY_CONFLICT',
    );
    await rejectsWith(
      registry.putRollout(token, rolloutRecord({ fromHash: 'x' })),
      'REGISTRY_INVALID_INPUT',
    );
    await rejectsWith(
      registry.putRollout(token, rolloutRecord({ state: 'done' as 'running' })),
      'REGISTRY_INVALID_INPUT',
    );
    await rejectsWith(registry.finishRollout(old, 'web@.service'), 'REGISTRY_NOT_LEADER');
    expect((await registry.getRollout('web@.service')).current).toEqual(next);
  });

  it('finishes rollouts into a history of the last 10, newest first', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    for (let id = 1; id <= 12; id++) {
      await registry.putRollout(token, rolloutRecord({ id, state: 'succeeded' }));
      const done = await registry.finishRollout(token, 'web@.service');
      expect(done).toMatchObject({ id, state: 'succeeded' });
    }
    expect(await registry.finishRollout(token, 'web@.service')).toBeUndefined();
    const { current, history } = await registry.getRollout('web@.service');
    expect(current).toBeUndefined();
    expect(history.map((r) => r.id)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
    expect((await registry.listRollouts()).items).toEqual([]);
    expect(await h().rawKeys('rollout-history/web@.service/')).toHaveLength(10);
  });

  it('keeps contents a rollout names after the units moved off them, until no record names them', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    await registry.createUnit(unit('web@1.service', 'a'));
    await registry.putRollout(token, rolloutRecord({ units: ['web@1.service'] }));
    await registry.replaceUnit(unit('web@1.service', 'b'));
    await registry.replaceUnit(unit('web@1.service', 'c'));
    // Both versions the record names are still readable; the unit only uses the third.
    expect(await registry.getContents(A)).toEqual(options('a'));
    expect(await registry.getContents(B)).toEqual(options('b'));
    await registry.finishRollout(token, 'web@.service');
    expect(await registry.getContents(A)).toEqual(options('a'));
    // Ten later rollouts push the record out of the history: its contents go with it.
    const C = unitHash(options('c'));
    for (let id = 2; id <= 11; id++) {
      await registry.putRollout(token, rolloutRecord({ id, fromHash: C, toHash: C }));
      await registry.finishRollout(token, 'web@.service');
    }
    expect(await registry.getContents(A)).toBeUndefined();
    expect(await registry.getContents(B)).toBeUndefined();
    expect(await registry.getContents(C)).toEqual(options('c'));
    await registry.destroyUnit('web@1.service');
    expect(await registry.getContents(C)).toEqual(options('c')); // still pinned by history
  });

  it('drops the pins of a rewritten record and collects what nothing else uses', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    await registry.createUnit(unit('web@1.service', 'a'));
    await registry.putRollout(token, rolloutRecord());
    await registry.replaceUnit(unit('web@1.service', 'b'));
    expect(await registry.getContents(A)).toEqual(options('a'));
    await registry.putRollout(token, rolloutRecord({ fromHash: B }));
    expect(await registry.getContents(A)).toBeUndefined();
    expect(await registry.getContents(B)).toEqual(options('b'));
  });

  it('puts back the old contents a replace collected before the rollout started', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    await registry.createUnit(unit('web@1.service', 'a'));
    await registry.replaceUnit(unit('web@1.service', 'b'));
    expect(await registry.getContents(A)).toBeUndefined();
    // A registry that never saw the old contents finds them in the store's history.
    const fresh = (registry as Partial<{ withStaleReads(): Registry }>).withStaleReads?.();
    expect(fresh).toBeDefined();
    await fresh?.putRollout(token, rolloutRecord({ units: ['web@1.service'] }));
    expect(await registry.getContents(A)).toEqual(options('a'));
  });

  it('pauses only a running rollout and resumes only a paused one', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    await rejectsWith(
      registry.setRolloutState('web@.service', 'paused'),
      'REGISTRY_ROLLOUT_NOT_FOUND',
    );
    const put = await registry.putRollout(token, rolloutRecord());
    const paused = await registry.setRolloutState('web@.service', 'paused', 'looking at logs');
    expect(paused).toMatchObject({ state: 'paused', reason: 'looking at logs' });
    expect(BigInt(paused.revision)).toBeGreaterThan(BigInt(put.revision));
    const again = await rejectsWith(
      registry.setRolloutState('web@.service', 'paused'),
      'REGISTRY_ROLLOUT_STATE',
    );
    expect(again.message).toBe(
      'rollout 1 of web@.service is paused: only a running rollout can be paused',
    );
    const resumed = await registry.setRolloutState('web@.service', 'running');
    expect(resumed.state).toBe('running');
    expect(resumed.reason).toBeUndefined();
    expect((await registry.getRollout('web@.service')).current).toEqual(resumed);
    await registry.putRollout(
      token,
      rolloutRecord({ state: 'failed', reason: 'health check failing' }),
    );
    await rejectsWith(
      registry.setRolloutState('web@.service', 'running'),
      'REGISTRY_ROLLOUT_STATE',
    );
    await rejectsWith(registry.setRolloutState('web@.service', 'paused'), 'REGISTRY_ROLLOUT_STATE');
  });

  it('reverts units fenced, as a replace does, keeping their desired state', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    await registry.createUnit(unit('web@1.service', 'a', 'launched'));
    await registry.replaceUnit(unit('web@1.service', 'b', 'launched'));
    await rejectsWith(
      registry.revertUnits('999999', [{ name: 'web@1.service', options: options('a') }]),
      'REGISTRY_NOT_LEADER',
    );
    const heads = await registry.revertUnits(token, [
      { name: 'web@1.service', options: options('a') },
      { name: 'gone@1.service', options: options('a') },
    ]);
    expect(heads).toHaveLength(1);
    expect(heads[0]).toMatchObject({ name: 'web@1.service', hash: A, desiredState: 'launched' });
    expect(await registry.getUnit('web@1.service')).toMatchObject({
      hash: A,
      options: options('a'),
    });
    expect(await registry.getContents(B)).toBeUndefined();
    expect(await h().rawKeys(`ref/${A}/`)).toEqual([`ref/${A}/web@1.service`]);
  });

  it('streams record writes and finishes to a watch', async () => {
    const { registry } = h();
    const token = await leaderToken(registry);
    const start = await registry.listRollouts();
    const c = collector<RolloutEvent>();
    const w = registry.watchRollouts(start.revision, c.push);
    await registry.putRollout(token, rolloutRecord());
    const paused = await registry.setRolloutState('web@.service', 'paused');
    const done = await registry.finishRollout(token, 'web@.service');
    await eventually(h(), () => c.events.length >= 3, 'three rollout events');
    await w.close();
    expect(c.events[1]).toEqual({ type: 'put', rollout: paused, revision: paused.revision });
    expect(c.events[2]).toEqual({
      type: 'delete',
      group: 'web@.service',
      revision: done?.revision,
    });
    expect(c.events.map((e) => e.type)).toEqual(['put', 'put', 'delete']);
  });
}
