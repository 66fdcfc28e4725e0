import type { RolloutInput } from '@fleet/registry';
import { unitHash } from '@fleet/unit';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, serviceOptions } from './testing/index.js';

let fx: Fixture;
afterEach(async () => {
  await fx.close();
});

const V1 = serviceOptions('/bin/web --v1');
const V2 = serviceOptions('/bin/web --v2');
const H1 = unitHash(V1);
const H2 = unitHash(V2);
const err = (code: number, message: string) => ({ error: { code, message } });

function record(extra: Partial<RolloutInput> = {}): RolloutInput {
  return {
    group: 'web@.service',
    id: 1,
    state: 'running',
    fromHash: H1,
    toHash: H2,
    units: ['web@1.service', 'web@2.service'],
    policy: { maxParallel: 1, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: true },
    copies: [
      {
        unit: 'web@1.service',
        machineId: 'm1',
        phase: 'done',
        replacedAt: 'T1',
        healthySince: 'T2',
      },
      { unit: 'web@2.service', machineId: 'm2', phase: 'pending' },
    ],
    startedAt: 'T0',
    updatedAt: 'T2',
    ...extra,
  };
}

/** Two instances on V2 after a rollout from V1 (the record given), as the engine leaves them. */
async function rolledOut(extra: Partial<RolloutInput> = {}): Promise<string> {
  const lead = await fx.registry.campaign('engine', 10);
  const token = lead?.token ?? '';
  for (const n of ['web@1.service', 'web@2.service']) {
    await fx.unit(n, 'launched', V1);
    await fx.registry.replaceUnit({ name: n, options: V2, desiredState: 'launched' });
  }
  await fx.registry.putRollout(token, record(extra));
  return token;
}

describe('GET /fleet/x/rollouts', () => {
  it('lists the current record of each group, in the documented wire format', async () => {
    fx = new Fixture();
    expect((await fx.request('GET', '/fleet/x/rollouts')).json()).toEqual({ rollouts: [] });
    await rolledOut();
    const res = await fx.request('GET', '/fleet/x/rollouts');
    expect(res.status).toBe(200);
    const { rollouts } = res.json<{ rollouts: Record<string, unknown>[] }>();
    expect(rollouts).toHaveLength(1);
    expect(Object.keys(rollouts[0] ?? {})).toEqual([
      'group',
      'id',
      'state',
      'fromHash',
      'toHash',
      'units',
      'policy',
      'copies',
      'startedAt',
      'updatedAt',
      'revision',
    ]);
    expect(rollouts[0]).toMatchObject({ ...record(), revision: expect.stringMatching(/^[0-9]+$/) });
  });
});

describe('GET /fleet/x/rollouts/{group}', () => {
  it('answers current and history for the group or any unit of it; 404 if never rolled out', async () => {
    fx = new Fixture();
    const token = await rolledOut({ state: 'succeeded', finishedAt: 'T3' });
    await fx.registry.finishRollout(token, 'web@.service');
    await fx.registry.putRollout(token, record({ id: 2, fromHash: H2, toHash: H1 }));
    for (const name of ['web@.service', 'web@2.service', 'web%402.service']) {
      const res = await fx.request('GET', `/fleet/x/rollouts/${name}`);
      expect(res.status).toBe(200);
      const body = res.json<{
        current: { id: number };
        history: { id: number; state: string }[];
      }>();
      expect(body.current.id).toBe(2);
      expect(body.history).toMatchObject([{ id: 1, state: 'succeeded', finishedAt: 'T3' }]);
    }
    const never = await fx.request('GET', '/fleet/x/rollouts/db.service');
    expect(never.status).toBe(404);
    expect(never.json()).toEqual(err(404, 'db.service has never been rolled out'));
    expect((await fx.request('GET', '/fleet/x/rollouts/bad%2Fname')).status).toBe(400);
  });

  it('answers current: null once the only rollout finished', async () => {
    fx = new Fixture();
    const token = await rolledOut({ state: 'succeeded' });
    await fx.registry.finishRollout(token, 'web@.service');
    const body = (await fx.request('GET', '/fleet/x/rollouts/web@1.service')).json();
    expect(body).toMatchObject({ current: null, history: [{ id: 1 }] });
  });
});

describe('POST /fleet/x/rollouts/{group}/pause and resume', () => {
  it('pauses a running rollout and resumes a paused one; 409 otherwise', async () => {
    fx = new Fixture();
    expect(
      await fx.request('POST', '/fleet/x/rollouts/web@.service/pause').then((r) => r.json()),
    ).toEqual(err(409, 'web@.service has no rollout in progress'));
    await rolledOut();
    const paused = await fx.request('POST', '/fleet/x/rollouts/web@1.service/pause');
    expect(paused.status).toBe(200);
    expect(paused.json()).toMatchObject({ group: 'web@.service', state: 'paused' });
    const again = await fx.request('POST', '/fleet/x/rollouts/web@.service/pause');
    expect(again.status).toBe(409);
    expect(again.json()).toEqual(
      err(409, 'rollout 1 of web@.service is paused: only a running rollout can be paused'),
    );
    const resumed = await fx.request('POST', '/fleet/x/rollouts/web@.service/resume');
    expect(resumed.json()).toMatchObject({ state: 'running' });
    expect((await fx.request('POST', '/fleet/x/rollouts/web@.service/resume')).status).toBe(409);
    expect((await fx.registry.getRollout('web@.service')).current?.state).toBe('running');
  });

  it('takes only POST, and knows no other action', async () => {
    fx = new Fixture();
    const get = await fx.request('GET', '/fleet/x/rollouts/web@.service/pause');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await fx.request('POST', '/fleet/x/rollouts/web@.service/stop')).status).toBe(404);
    expect((await fx.request('POST', '/fleet/x/rollouts')).status).toBe(405);
  });
});

describe('POST /fleet/x/rollouts/{group}/undo', () => {
  it("puts the group's units back on the version the last rollout came from", async () => {
    fx = new Fixture();
    await rolledOut({ state: 'failed', reason: 'web@2.service on m2: failed' });
    await fx.unit('db.service', 'launched', V2);
    const res = await fx.request('POST', '/fleet/x/rollouts/web@2.service/undo');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      group: 'web@.service',
      fromHash: H2,
      toHash: H1,
      units: ['web@1.service', 'web@2.service'],
    });
    for (const n of ['web@1.service', 'web@2.service']) {
      expect(await fx.registry.getUnit(n)).toMatchObject({ hash: H1, desiredState: 'launched' });
    }
    expect(await fx.registry.getUnit('db.service')).toMatchObject({ hash: H2 });
  });

  it('answers 409 when no rollout went to the current version', async () => {
    fx = new Fixture();
    await fx.unit('web@1.service', 'launched', V1);
    const res = await fx.request('POST', '/fleet/x/rollouts/web@.service/undo');
    expect(res.status).toBe(409);
    expect(res.json()).toEqual(
      err(
        409,
        `no earlier version of web@.service to go back to: no rollout went to its current version ${H1.slice(0, 7)}`,
      ),
    );
    expect((await fx.request('POST', '/fleet/x/rollouts/none.service/undo')).status).toBe(404);
  });
});
