// EtcdRegistry against etcd as production runs it: TLS with client certificates, and etcd's own
// authentication (user/password, or the certificate's CN) with a least-privilege role that may
// read and write fleet's key prefix and nothing else. Refused credentials give one clear line.
import { readFile } from 'node:fs/promises';
import { EtcdCluster, waitFor, type EtcdAuth, type EtcdTlsFiles } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machine, rawAccess, registryContract, unit } from './testing/index.js';
import { EtcdRegistry, type EtcdRegistryOptions } from './etcd-registry.js';
import { AccessDeniedError } from './errors.js';
import type { RegistryIssue, UnitEvent } from './types.js';

/** Every test prefix starts with the role's prefix: `/fleet-auth-1/`, `/fleet-auth-2/`, … */
const ROLE_PREFIX = '/fleet-auth-';
let seq = 0;
const nextPrefix = () => `${ROLE_PREFIX}${process.pid}-${seq++}/`;

/**
 * TLS files of a client: `client` (CN `fleet`, an etcd user: it logs in by certificate alone),
 * `anonymous` (no CN: only a password lets it in), `stranger` (signed by another CA).
 */
async function credentials(
  tls: EtcdTlsFiles,
  which: 'client' | 'anonymous' | 'stranger',
  ca?: string,
) {
  const files: Record<typeof which, readonly [string, string]> = {
    client: [tls.clientCertFile, tls.clientKeyFile],
    anonymous: [tls.gatewayCertFile, tls.gatewayKeyFile],
    stranger: [tls.strangerCertFile, tls.strangerKeyFile],
  };
  const [cert, key] = files[which];
  return {
    rootCertificate: await readFile(ca ?? tls.caFile),
    certChain: await readFile(cert),
    privateKey: await readFile(key),
  };
}

/** The one refusal a call gets (it must be an AccessDeniedError, not a retryable outage). */
async function refusal(opts: EtcdRegistryOptions): Promise<AccessDeniedError> {
  const registry = new EtcdRegistry(opts);
  try {
    const err = await registry.listUnits().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof AccessDeniedError))
      throw new Error(`expected a refusal, got ${String(err)}`);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('\n');
    return err;
  } finally {
    await registry.close();
  }
}

describe('on etcd with TLS, client certificates and auth on (least-privilege role)', () => {
  let etcd: EtcdCluster | undefined;
  const files = (): { tls: EtcdTlsFiles; auth: EtcdAuth; endpoints: string[] } => {
    if (etcd?.tls === undefined || etcd.auth === undefined) throw new Error('etcd did not start');
    return { tls: etcd.tls, auth: etcd.auth, endpoints: etcd.endpoints };
  };
  beforeAll(async () => {
    etcd = await EtcdCluster.start({ tls: true, auth: { prefix: ROLE_PREFIX } });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  // The whole contract (leases and their keepalives, watches, transactions, compaction) as the
  // `fleet` user, whose role may touch only ROLE_PREFIX.
  registryContract('EtcdRegistry as a least-privilege user over TLS', async () => {
    const { tls, auth, endpoints } = files();
    const issues: RegistryIssue[] = [];
    const registry = new EtcdRegistry({
      endpoints,
      prefix: nextPrefix(),
      credentials: await credentials(tls, 'anonymous'),
      auth: { username: auth.username, password: auth.password },
      report: (i) => issues.push(i),
    });
    return {
      registry,
      issues,
      patienceMs: 20_000,
      passTime: () => {},
      ...rawAccess(registry),
      close: () => registry.close(),
    };
  });

  it('works with the certificate CN as the etcd user, and only on the role prefix', async () => {
    const { tls, endpoints } = files();
    const creds = await credentials(tls, 'client');
    const registry = new EtcdRegistry({ endpoints, prefix: nextPrefix(), credentials: creds });
    try {
      const start = (await registry.listUnits()).revision;
      const events: UnitEvent[] = [];
      const w = registry.watchUnits(start, (e) => events.push(e));
      const session = await registry.registerMachine(machine('m-cn'), 10);
      await registry.createUnit(unit('cn.service'));
      await waitFor(() => events.length === 1, { timeoutMs: 20_000, what: 'the unit event' });
      expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m-cn']);
      await session.close();
      await w.close();
    } finally {
      await registry.close();
    }
    // Outside the role's prefix the CN's user is refused: etcd did not take the client as root.
    const denied = await refusal({ endpoints, prefix: '/elsewhere/', credentials: creds });
    expect(denied.message).toMatch(/^etcd denied the request: permission denied \(/);
  });

  it('refuses a certificate that names no user, with no password, in one line', async () => {
    const { tls, endpoints } = files();
    const err = await refusal({
      endpoints,
      prefix: nextPrefix(),
      credentials: await credentials(tls, 'anonymous'),
    });
    expect(err.message).toMatch(/^etcd denied the request: permission denied \(/);
  });

  it('refuses a wrong password in one line, at once', async () => {
    const { tls, auth, endpoints } = files();
    const err = await refusal({
      endpoints,
      prefix: nextPrefix(),
      credentials: await credentials(tls, 'anonymous'),
      auth: { username: auth.username, password: 'not-the-password' },
    });
    expect(err.message).toBe(
      `etcd at ${endpoints.join(', ')} refused the login: invalid user name or password (etcd_username, etcd_password)`,
    );
  });

  it('refuses the password user outside its prefix', async () => {
    const { tls, auth, endpoints } = files();
    const err = await refusal({
      endpoints,
      prefix: '/_coreos.com/fleet/',
      credentials: await credentials(tls, 'anonymous'),
      auth: { username: auth.username, password: auth.password },
    });
    expect(err.message).toMatch(/^etcd denied the request: permission denied \(the etcd user/);
  });

  it('says in one line that etcd refused a certificate from another CA', async () => {
    const { tls, endpoints } = files();
    const err = await refusal({
      endpoints,
      prefix: nextPrefix(),
      credentials: await credentials(tls, 'stranger'),
    });
    expect(err.message).toMatch(
      /^etcd at https:\/\/127\.0\.0\.1:\d+ refused the TLS handshake \(.*alert.*\): it needs a client certificate/,
    );
  });

  it("says in one line that etcd's certificate is not trusted", async () => {
    const { tls, endpoints } = files();
    const err = await refusal({
      endpoints,
      prefix: nextPrefix(),
      credentials: await credentials(tls, 'client', tls.otherCaFile),
    });
    expect(err.message).toMatch(
      /^etcd at https:\/\/127\.0\.0\.1:\d+ presented a certificate that is not trusted \(unable to verify the first certificate\): etcd_cafile/,
    );
  });

  it('uses TLS with the system CAs for an https:// endpoint given no TLS files', async () => {
    const { endpoints } = files();
    // The system does not trust the test CA: the refusal shows TLS was spoken, and checked.
    const err = await refusal({ endpoints, prefix: nextPrefix() });
    expect(err.message).toContain('presented a certificate that is not trusted');
  });
});

describe('on etcd with auth on and short-lived tokens', () => {
  let etcd: EtcdCluster | undefined;
  beforeAll(async () => {
    etcd = await EtcdCluster.start({ auth: { prefix: ROLE_PREFIX, tokenTtlSeconds: 2 } });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  const open = () => {
    if (etcd?.auth === undefined) throw new Error('etcd did not start');
    const { username, password } = etcd.auth;
    return new EtcdRegistry({
      endpoints: etcd.endpoints,
      prefix: `${ROLE_PREFIX}tokens/`,
      auth: { username, password },
    });
  };

  it('watches, keepalives and writes go on after the token expired and after etcd forgot it', async () => {
    const member = etcd?.members[0];
    if (member === undefined) throw new Error('etcd did not start');
    const registry = open();
    const writer = open();
    try {
      const session = await registry.registerMachine(machine('m-token'), 15);
      const start = (await registry.listUnits()).revision;
      const events: UnitEvent[] = [];
      const first = registry.watchUnits(start, (e) => events.push(e));
      await writer.createUnit(unit('a.service'));
      await waitFor(() => events.length === 1, { timeoutMs: 20_000, what: 'the first event' });
      // Unused for longer than --auth-token-ttl: etcd drops the token. Only keepalives (which
      // etcd does not check) run meanwhile.
      await new Promise((r) => setTimeout(r, 3_500));
      // A watch opened now goes on the stream that carries the dead token.
      const later: UnitEvent[] = [];
      const second = registry.watchUnits(start, (e) => later.push(e));
      await writer.createUnit(unit('b.service'));
      await waitFor(() => later.length === 2 && events.length === 2, {
        timeoutMs: 20_000,
        what: 'both watches to see both units after the token expired',
      });
      // etcd restarts and forgets every token: the watch stream is re-created with the old one.
      await member.stop();
      member.start();
      await etcd?.waitHealthy();
      await waitFor(
        async () =>
          writer.createUnit(unit('c.service')).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 20_000, intervalMs: 200, what: 'a write after the restart' },
      );
      await waitFor(() => later.length === 3 && events.length === 3, {
        timeoutMs: 20_000,
        what: 'both watches to see the unit written after etcd restarted',
      });
      // Keepalives go on after the restart too (etcd 3.4 checks no token on their stream).
      const restarted = performance.now();
      await waitFor(() => session.lastRenewedAt() > restarted, {
        timeoutMs: 20_000,
        what: 'a keepalive answered after the restart',
      });
      expect(session.signal.aborted).toBe(false);
      expect((await registry.listMachines()).items.map((m) => m.id)).toEqual(['m-token']);
      await first.close();
      await second.close();
      await session.close();
    } finally {
      await registry.close();
      await writer.close();
    }
  });
});
