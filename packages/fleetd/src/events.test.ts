// The event log wired through one fleetd (registry in memory, systemd faked): a unit submitted
// through the API is placed by the engine and started by the agent, and both say so in the log,
// which the API serves at /fleet/x/events (and follows).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetClient, type WireEvent } from '@fleet/client';
import { InMemoryRegistry } from '@fleet/registry';
import { RecordingLogger } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';
import { Fleetd } from './daemon.js';

const ID = 'a1000000000000000000000000000001';

describe('fleetd and the event log', () => {
  let dir: string;
  let registry: InMemoryRegistry;
  let systemd: FakeSystemd;
  let daemon: Fleetd | undefined;
  let client: FleetClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-events-'));
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
    registry = new InMemoryRegistry();
    systemd = new FakeSystemd();
  });
  afterEach(async () => {
    client?.close();
    await daemon?.stop();
    await systemd.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records the placement and the start of a unit, listed and followed through the API', async () => {
    const config = buildConfig({
      flags: {
        machine_id_file: join(dir, 'machine-id'),
        units_directory: join(dir, 'units'),
        listen_unix: join(dir, 'fleet.sock'),
        public_ip: '127.0.0.1',
        engine_reconcile_interval: '0.2',
      },
    }).config;
    daemon = await Fleetd.start(config, new RecordingLogger(), { registry, systemd });
    client = new FleetClient({ endpoint: `unix://${join(dir, 'fleet.sock')}` });
    const api = client;
    // The API serves writes once the agent says it has registered, which is a moment after its
    // machine record is in the registry: wait for the flag (the record alone raced a 503 under load).
    const d = daemon;
    await waitFor(() => d.agent.registered, { timeoutMs: 10_000, what: 'the agent to register' });
    const abort = new AbortController();
    const followed: WireEvent[] = [];
    const following = (async () => {
      for await (const e of api.followEvents({ signal: abort.signal })) followed.push(e);
    })();
    following.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    await api.createUnit({
      name: 'web.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }],
      desiredState: 'launched',
    });
    // The engine may list the machines before the agent registers, and see it join.
    const kinds = async () =>
      (await api.listEvents()).events.map((e) => `${e.kind} ${e.unit ?? e.machineId ?? ''}`);
    await waitFor(async () => (await kinds()).includes('unit.started web.service'), {
      timeoutMs: 20_000,
      what: 'the start event',
    });
    expect((await kinds()).filter((k) => k !== `machine.joined ${ID}`)).toEqual([
      'unit.placed web.service',
      'unit.started web.service',
    ]);
    const all = (await api.listEvents()).events;
    await waitFor(() => followed.length === all.length, { timeoutMs: 5_000, what: 'followed' });
    expect(followed).toEqual(all);
    abort.abort();
    await following;
  });
});
