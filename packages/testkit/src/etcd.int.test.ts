import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from './etcd.js';
import { liveProcesses } from './process.js';

async function put(url: string, key: string, value: string): Promise<Response> {
  return fetch(`${url}/v3/kv/put`, {
    method: 'POST',
    body: JSON.stringify({
      key: Buffer.from(key).toString('base64'),
      value: Buffer.from(value).toString('base64'),
    }),
  });
}

async function get(url: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64') }),
  });
  const body = (await res.json()) as { kvs?: { value: string }[] };
  const v = body.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
}

describe('EtcdCluster with one member', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await EtcdCluster.start();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('serves reads and writes on a loopback port', async () => {
    expect(etcd.endpoints).toHaveLength(1);
    expect(etcd.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await put(etcd.endpoints[0] ?? '', '/k', 'v')).ok).toBe(true);
    expect(await get(etcd.endpoints[0] ?? '', '/k')).toBe('v');
  });

  it('stops its process and removes its data when stopped', async () => {
    const other = await EtcdCluster.start();
    const pid = other.members[0]?.pid;
    expect(pid).toBeTypeOf('number');
    await other.stop();
    expect(liveProcesses().some((p) => p.pid === pid)).toBe(false);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
  });
});

describe('EtcdCluster with three members', () => {
  let etcd: EtcdCluster;
  beforeAll(async () => {
    etcd = await EtcdCluster.start({ members: 3 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('keeps serving after its leader is killed, and the member rejoins', async () => {
    const leader = await etcd.leader();
    await leader.kill();
    const survivor = etcd.members.find((m) => m.running);
    expect(survivor).toBeDefined();
    const newLeader = await etcd.leader();
    expect(newLeader.name).not.toBe(leader.name);
    expect((await put(survivor?.clientUrl ?? '', '/after', 'kill')).ok).toBe(true);
    leader.start();
    await etcd.waitHealthy();
    expect(await get(leader.clientUrl, '/after')).toBe('kill');
  });
});

describe('spawnTracked', () => {
  it('says clearly when a binary is missing', async () => {
    const { spawnTracked } = await import('./process.js');
    expect(() => spawnTracked('ghost', '/nonexistent/fleet-ghost', [])).toThrow(
      /ghost: could not start \/nonexistent\/fleet-ghost/,
    );
  });
});
