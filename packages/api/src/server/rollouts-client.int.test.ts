// FleetClient's rollout calls against the real API over a unix socket: every answer decodes, and
// refusals are ApiErrors with the server's message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, FleetClient } from '@fleet/client';
import { InMemoryRegistry, type RolloutInput } from '@fleet/registry';
import { unitHash } from '@fleet/unit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApi } from '../api.js';
import { serviceOptions } from '../testing/index.js';
import { FleetServer } from './fleet-server.js';

const V1 = serviceOptions('/bin/v1');
const V2 = serviceOptions('/bin/v2');

let dir: string;
let registry: InMemoryRegistry;
let server: FleetServer;
let client: FleetClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-rollouts-'));
  registry = new InMemoryRegistry();
  const path = join(dir, 'fleet.sock');
  server = await FleetServer.listen(createApi({ registry, version: '1.0.0' }), {
    unixSocket: path,
    activation: false,
  });
  client = new FleetClient({ endpoint: `unix://${path}`, timeoutMs: 5_000 });
});
afterEach(async () => {
  client.close();
  await server.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

const record: RolloutInput = {
  group: 'web@.service',
  id: 1,
  state: 'running',
  fromHash: unitHash(V1),
  toHash: unitHash(V2),
  units: ['web@1.service'],
  policy: { maxParallel: 1, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: true },
  copies: [{ unit: 'web@1.service', machineId: 'm1', phase: 'replacing', replacedAt: 'T1' }],
  startedAt: 'T0',
  updatedAt: 'T1',
};

it('lists, reads, pauses, resumes and undoes rollouts through the client', async () => {
  expect(await client.listRollouts()).toEqual([]);
  expect(await client.getRollout('web@.service')).toBeUndefined();
  await registry.createUnit({ name: 'web@1.service', options: V1, desiredState: 'launched' });
  await registry.replaceUnit({ name: 'web@1.service', options: V2, desiredState: 'launched' });
  const lead = await registry.campaign('engine', 10);
  const stored = await registry.putRollout(lead?.token ?? '', record);
  expect(await client.listRollouts()).toEqual([stored]);
  expect(await client.getRollout('web@1.service')).toEqual({ current: stored, history: [] });
  expect(await client.pauseRollout('web@1.service')).toMatchObject({ state: 'paused' });
  const err = await client.pauseRollout('web@.service').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toMatchObject({ status: 409, path: '/fleet/x/rollouts/web%40.service/pause' });
  expect(await client.resumeRollout('web@.service')).toMatchObject({ state: 'running' });
  expect(await client.undoRollout('web@.service')).toEqual({
    group: 'web@.service',
    fromHash: unitHash(V2),
    toHash: unitHash(V1),
    units: ['web@1.service'],
  });
});
