// FleetClient's machine-admin calls against the real API over a unix socket: every answer
// decodes, and refusals are ApiErrors with the server's message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, FleetClient, machineStateWord } from '@fleet/client';
import { InMemoryRegistry } from '@fleet/registry';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApi } from '../api.js';
import { FleetServer } from './fleet-server.js';

let dir: string;
let registry: InMemoryRegistry;
let server: FleetServer;
let client: FleetClient;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-machine-admin-'));
  registry = new InMemoryRegistry();
  const path = join(dir, 'fleet.sock');
  server = await FleetServer.listen(createApi({ registry, version: '1.0.0' }), {
    unixSocket: path,
    activation: false,
  });
  client = new FleetClient({ endpoint: `unix://${path}`, timeoutMs: 5_000 });
  await registry.registerMachine(
    { id: 'm1', publicIP: '127.0.0.11', metadata: {}, health: {}, version: '1', capabilities: [] },
    30,
  );
});
afterEach(async () => {
  client.close();
  await server.close();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

it('cordons, drains and uncordons a machine, each answer decoded', async () => {
  expect((await client.listAdminMachines()).map(machineStateWord)).toEqual(['schedulable']);
  const c = await client.setMachineAdmin('m1', 'cordon', 'new disk');
  expect(c).toMatchObject({ id: 'm1', admin: { state: 'cordoned', reason: 'new disk' } });
  expect(machineStateWord(c)).toBe('cordoned');
  const d = await client.setMachineAdmin('m1', 'drain');
  // Nothing runs there: drained at once.
  expect(machineStateWord(d)).toBe('drained');
  const u = await client.setMachineAdmin('m1', 'uncordon');
  expect(u).toMatchObject({ admin: null, schedulable: true });
});

it('says which machine does not exist', async () => {
  const err = await client.setMachineAdmin('m9', 'drain').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toMatchObject({ status: 404, message: expect.stringContaining('machine m9') });
});
