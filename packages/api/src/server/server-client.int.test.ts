// FleetServer and FleetClient over real sockets: a unix socket in a temp dir, plain TCP, and a
// caller-supplied connection.
import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryRegistry } from '@fleet/registry';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, type ApiOptions } from '../api.js';
import { ApiError, ConnectionError, FleetClient, TimeoutError } from '@fleet/client';
import { serviceOptions } from '../testing/index.js';
import { FleetServer } from './fleet-server.js';

let dir: string;
let registry: InMemoryRegistry;
const cleanup: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-api-'));
  registry = new InMemoryRegistry();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

async function serve(opts: Partial<ApiOptions> = {}) {
  const path = join(dir, 'fleet.sock');
  const server = await FleetServer.listen(createApi({ registry, version: '1.0.0', ...opts }), {
    unixSocket: path,
    activation: false,
  });
  cleanup.push(() => server.close());
  const client = new FleetClient({ endpoint: `unix://${path}`, timeoutMs: 5_000 });
  cleanup.push(() => client.close());
  return { server, client, path };
}

function get(path: string, url: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: path, path: url }, (res) => {
        res.resume();
        resolve(res);
      })
      .on('error', reject);
  });
}

describe('FleetServer on a unix socket, with FleetClient', () => {
  it('creates the socket with mode 0660 and removes it on close', async () => {
    const { server, path } = await serve();
    expect((await stat(path)).mode & 0o777).toBe(0o660);
    expect(server.addresses).toEqual([{ kind: 'unix', path }]);
    await server.close();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('drives every client method', async () => {
    const { client } = await serve();
    await client.createUnit({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'loaded',
    });
    await client.createUnit({ name: 'b.service', options: serviceOptions() });
    expect((await client.listUnits()).map((u) => [u.name, u.desiredState, u.currentState])).toEqual(
      [
        ['a.service', 'loaded', 'inactive'],
        ['b.service', 'inactive', 'inactive'],
      ],
    );
    expect(await client.getUnit('a.service')).toEqual({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'loaded',
      currentState: 'inactive',
    });
    expect(await client.getUnit('zzz.service')).toBeUndefined();

    await client.setDesiredState('a.service', 'launched');
    expect((await client.getUnit('a.service'))?.desiredState).toBe('launched');
    await client.replaceUnit({ name: 'a.service', options: serviceOptions('/bin/other') });
    expect((await client.getUnit('a.service'))?.options).toEqual(serviceOptions('/bin/other'));

    const session = await registry.registerMachine(
      {
        id: 'm1',
        publicIP: '127.0.0.1',
        metadata: {},
        health: { systemState: 'running' },
        version: '1',
        capabilities: [],
      },
      30,
    );
    const hash = (await registry.getUnit('a.service'))?.hash ?? '';
    await session.publishUnitState({
      unit: 'a.service',
      hash,
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
    });
    expect(await client.listUnitStates({ machineID: 'm1' })).toEqual([
      {
        name: 'a.service',
        hash,
        machineID: 'm1',
        systemdLoadState: 'loaded',
        systemdActiveState: 'active',
        systemdSubState: 'running',
      },
    ]);
    expect(await client.listUnitStates({ unitName: 'b.service' })).toEqual([]);
    expect((await client.getUnitState('a.service'))?.machineID).toBe('m1');
    expect(await client.getUnitState('b.service')).toBeUndefined();

    await client.patchMachineMetadata([
      { op: 'add', path: '/m1/metadata/role', value: 'web' },
      { op: 'add', path: '/m1/metadata/zone', value: { value: 'a' } },
    ]);
    expect(await client.listMachines()).toEqual([
      {
        id: 'm1',
        primaryIP: '127.0.0.1',
        metadata: { role: 'web', zone: 'a' },
        health: { systemState: 'running' },
        version: '1',
      },
    ]);

    expect(await client.destroyUnit('a.service')).toBe(true);
    expect(await client.destroyUnit('a.service')).toBe(false);
    expect(await client.getUnit('a.service')).toBeUndefined();
  });

  it('follows every page', async () => {
    const { client } = await serve({ tokenLimit: 2 });
    for (const n of ['a', 'b', 'c', 'd', 'e'])
      await registry.createUnit({
        name: `${n}.service`,
        options: serviceOptions(),
        desiredState: 'inactive',
      });
    expect((await client.listUnits()).map((u) => u.name)).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}.service`),
    );
  });

  it("throws ApiError with the server's status and message", async () => {
    let ready = true;
    const { client } = await serve({ isReady: () => ready });
    const failure = await client
      .setDesiredState('nope.service', 'launched')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      status: 409,
      message: 'unit does not exist and options field empty',
      method: 'PUT',
      path: '/fleet/v1/units/nope.service',
      retryable: false,
    });
    ready = false;
    await expect(client.listUnits()).rejects.toMatchObject({
      status: 503,
      message: 'fleet server unable to communicate with etcd',
      retryable: true,
    });
  });

  it('sends Server: fleetd/<version>, and serves a swapped handler after setHandler', async () => {
    const { server, client, path } = await serve();
    await client.createUnit({ name: 'a.service', options: serviceOptions() });
    expect((await get(path, '/fleet/v1/units')).headers['server']).toBe('fleetd/1.0.0');
    const other = new InMemoryRegistry();
    cleanup.push(() => other.close());
    server.setHandler(createApi({ registry: other, version: '2.0.0' }));
    expect((await get(path, '/fleet/v1/units')).headers['server']).toBe('fleetd/2.0.0');
    expect(await client.listUnits()).toEqual([]);
  });

  it('removes a stale socket file, but not a live socket or a regular file', async () => {
    const stale = join(dir, 'fleet.sock');
    const old = net.createServer();
    await new Promise<void>((r) => old.listen(join(dir, 'old.sock'), r));
    await rename(join(dir, 'old.sock'), stale); // closing now leaves `stale` behind, like a crash
    await new Promise<void>((r) => old.close(() => r()));
    expect((await stat(stale)).isSocket()).toBe(true);

    const { client } = await serve();
    expect(await client.listUnits()).toEqual([]);

    const handler = createApi({ registry, version: '1' });
    await expect(
      FleetServer.listen(handler, { unixSocket: stale, activation: false }),
    ).rejects.toThrow(/another process is serving/);
    const file = join(dir, 'file.sock');
    await writeFile(file, 'not a socket');
    await expect(
      FleetServer.listen(handler, { unixSocket: file, activation: false }),
    ).rejects.toThrow(/not a socket/);
  });

  it('reports a missing socket as a ConnectionError naming the endpoint', async () => {
    const endpoint = `unix://${join(dir, 'missing.sock')}`;
    const client = new FleetClient({ endpoint });
    const failure = await client.listUnits().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toContain(`cannot reach the fleet API at ${endpoint}`);
    expect((failure as Error).message).toContain('ENOENT');
  });

  it('gives up after the per-request timeout', async () => {
    const path = join(dir, 'slow.sock');
    const server = await FleetServer.listen(() => undefined, {
      unixSocket: path,
      activation: false,
    });
    cleanup.push(() => server.close());
    const client = new FleetClient({ endpoint: `unix://${path}`, timeoutMs: 100 });
    const failure = await client.listMachines().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as Error).message).toBe(
      `the fleet API at unix://${path} did not answer within 100 ms`,
    );
  });

  it('speaks over a caller-supplied connection (how SSH tunnels plug in)', async () => {
    const { path } = await serve();
    await registry.createUnit({
      name: 'a.service',
      options: serviceOptions(),
      desiredState: 'inactive',
    });
    let opened = 0;
    const client = new FleetClient({
      createConnection: () => {
        opened++;
        return net.connect(path);
      },
    });
    expect((await client.listUnits()).map((u) => u.name)).toEqual(['a.service']);
    expect(opened).toBe(1);
    const failing = new FleetClient({
      createConnection: () => Promise.reject(new Error('ssh: no route')),
    });
    await expect(failing.listUnits()).rejects.toThrow(
      'cannot reach the fleet API at unix:///run/fleet.sock: ssh: no route',
    );
  });
});

describe('FleetServer on TCP', () => {
  it('serves plain HTTP on an ephemeral port', async () => {
    const server = await FleetServer.listen(createApi({ registry, version: '1' }), {
      unixSocket: null,
      activation: false,
      tcp: [{ host: '127.0.0.1', port: 0 }],
    });
    cleanup.push(() => server.close());
    const address = server.addresses[0];
    if (address?.kind !== 'tcp') throw new Error('expected a TCP listener');
    expect(address).toMatchObject({ host: '127.0.0.1', tls: false });
    const client = new FleetClient({ endpoint: `http://127.0.0.1:${address.port}` });
    cleanup.push(() => client.close());
    await client.createUnit({ name: 'a.service', options: serviceOptions() });
    expect((await client.listUnits()).map((u) => u.name)).toEqual(['a.service']);
  });

  it('closes listeners it opened when a later one fails', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as net.AddressInfo).port;
    const path = join(dir, 'fleet.sock');
    await expect(
      FleetServer.listen(createApi({ registry, version: '1' }), {
        unixSocket: path,
        activation: false,
        tcp: [{ host: '127.0.0.1', port }],
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});
