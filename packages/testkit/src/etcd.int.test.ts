import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, type EtcdMember } from './etcd.js';
import { liveProcesses } from './process.js';
import { waitFor } from './wait.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** etcd's command line, from /proc. */
function argv(m: EtcdMember | undefined): string[] {
  return readFileSync(`/proc/${m?.pid ?? 0}/cmdline`, 'utf8').split('\0');
}

/** The value that follows `flag` on a command line. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

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
    const dataDir = other.members[0]?.dataDir ?? '';
    expect(pid).toBeTypeOf('number');
    expect(dataDir.startsWith(other.root)).toBe(true);
    expect(existsSync(join(dataDir, 'member', 'snap', 'db'))).toBe(true); // etcd's own store
    await other.stop();
    expect(liveProcesses().some((p) => p.pid === pid)).toBe(false);
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(other.root)).toBe(false);
  });

  it('runs etcd compacting and with a backend quota, as production should', () => {
    const args = argv(etcd.members[0]);
    expect(flag(args, '--auto-compaction-mode')).toBe('periodic');
    expect(flag(args, '--auto-compaction-retention')).toBe('1m');
    expect(flag(args, '--quota-backend-bytes')).toBe(String(512 * 1024 * 1024));
    expect(etcd.flags).toBe(
      '--auto-compaction-mode=periodic --auto-compaction-retention=1m --quota-backend-bytes=536870912',
    );
  });
});

describe('EtcdCluster compaction and quota', () => {
  it('compacts old revisions by itself', async () => {
    const etcd = await EtcdCluster.start({ compaction: { mode: 'periodic', retention: '2s' } });
    try {
      const m = etcd.members[0];
      if (m === undefined) throw new Error('no member');
      const first = await m.post('/v3/kv/put', { key: b64('/c'), value: b64('1') });
      const rev = (first.body as { header: { revision: string } }).header.revision;
      await m.post('/v3/kv/put', { key: b64('/c'), value: b64('2') });
      const old = async () => m.post('/v3/kv/range', { key: b64('/c'), revision: rev });
      expect((await old()).status).toBe(200); // not compacted yet
      // The periodic compactor compacts to the revision it saw `retention` ago, each `retention`.
      const res = await waitFor(
        async () => {
          const r = await old();
          return r.status === 200 ? undefined : r;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: `revision ${rev} to be compacted` },
      );
      expect(JSON.stringify(res.body)).toMatch(/required revision has been compacted/);
    } finally {
      await etcd.stop();
    }
  });

  it('refuses writes past its backend quota (NOSPACE) instead of growing without bound', async () => {
    const etcd = await EtcdCluster.start({ quotaBackendBytes: 1024 * 1024 });
    try {
      const m = etcd.members[0];
      if (m === undefined) throw new Error('no member');
      const big = b64('x'.repeat(100 * 1024));
      let refused: unknown;
      for (let i = 0; i < 40 && refused === undefined; i++) {
        const r = await m.post('/v3/kv/put', { key: b64(`/big/${i}`), value: big });
        if (r.status !== 200) refused = r.body;
      }
      expect(JSON.stringify(refused)).toMatch(/database space exceeded/);
    } finally {
      await etcd.stop();
    }
  });
});

describe('EtcdCluster with TLS', () => {
  it('serves https on loopback to a client with a certificate from its CA, and no other', async () => {
    const etcd = await EtcdCluster.start({ tls: true });
    try {
      const m = etcd.members[0];
      if (m === undefined || etcd.tls === undefined) throw new Error('no member or no TLS files');
      expect(etcd.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await m.post('/v3/kv/put', { key: b64('/t'), value: b64('v') })).status).toBe(200);
      // Without a client certificate: the handshake is refused (--client-cert-auth).
      const { request } = await import('node:https');
      const ca = readFileSync(etcd.tls.caFile);
      const bare = await new Promise<string>((resolve) => {
        const req = request(`${m.clientUrl}/health`, { method: 'GET', ca, timeout: 5_000 }, (r) =>
          resolve(`answered ${r.statusCode}`),
        );
        req.on('error', (e) => resolve(`refused: ${e.message}`));
        req.end();
      });
      expect(bare).toMatch(/^refused/);
      for (const f of Object.values(etcd.tls)) expect(f.startsWith(etcd.root)).toBe(true);
    } finally {
      await etcd.stop();
    }
  });
});

describe('EtcdCluster with TLS and auth', () => {
  it('turns auth on with a fleet user on one prefix, and still tells its leader', async () => {
    const etcd = await EtcdCluster.start({ tls: true, auth: { prefix: '/p/' } });
    try {
      expect(etcd.auth).toMatchObject({ username: 'fleet', role: 'fleet', prefix: '/p/' });
      // The gateway (with its CN-less certificate) still answers status: leader() works.
      expect((await etcd.leader()).name).toBe('m0');
      // Without a token etcd refuses a write: auth is on.
      const m = etcd.members[0];
      const res = await m?.post('/v3/kv/put', { key: b64('/p/x'), value: b64('v') });
      expect(res?.status).not.toBe(200);
      expect(JSON.stringify(res?.body)).toMatch(/user name is empty|permission denied/);
    } finally {
      await etcd.stop();
    }
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
