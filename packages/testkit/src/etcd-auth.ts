// etcd's own authentication for test clusters: a root user, and a least-privilege `fleet` user
// and role with readwrite on one key prefix only, set up through etcd's JSON gateway before auth
// is turned on (the same steps as the README's etcdctl commands).
import { randomBytes } from 'node:crypto';
import type { EtcdMember } from './etcd-member.js';

/** How a test cluster turns etcd's authentication on. */
export interface EtcdAuthOptions {
  /** The key prefix the `fleet` role may read and write (default fleet's `/_coreos.com/fleet/`). */
  readonly prefix?: string;
  /** etcd's `--auth-token-ttl` in seconds: how long an unused simple token lives (etcd: 300). */
  readonly tokenTtlSeconds?: number;
}

/** The users and role a test cluster with auth on has. */
export interface EtcdAuth {
  /** `root`'s password (root has every permission: only for set-up and assertions). */
  readonly rootPassword: string;
  /** The least-privilege user (also the CN of the cluster's client certificate) and its role. */
  readonly username: string;
  readonly password: string;
  readonly role: string;
  /** The prefix the role may read and write, and nothing else. */
  readonly prefix: string;
}

/** The least-privilege user's and role's name. */
export const FLEET_USER = 'fleet';

/** The first key after every key that starts with `prefix` (etcd's range_end of a prefix). */
export function prefixRangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] ?? 0;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

const b64 = (b: Buffer | string): string => Buffer.from(b).toString('base64');

/** Creates root, the `fleet` role and user, and enables authentication, through `member`. */
export async function enableAuth(member: EtcdMember, opts: EtcdAuthOptions): Promise<EtcdAuth> {
  const auth: EtcdAuth = {
    rootPassword: randomBytes(12).toString('hex'),
    username: FLEET_USER,
    password: randomBytes(12).toString('hex'),
    role: FLEET_USER,
    prefix: opts.prefix ?? '/_coreos.com/fleet/',
  };
  const steps: [string, unknown][] = [
    ['/v3/auth/user/add', { name: 'root', password: auth.rootPassword }],
    ['/v3/auth/role/add', { name: 'root' }],
    ['/v3/auth/user/grant', { user: 'root', role: 'root' }],
    ['/v3/auth/role/add', { name: auth.role }],
    [
      '/v3/auth/role/grant',
      {
        name: auth.role,
        perm: {
          permType: 'READWRITE',
          key: b64(auth.prefix),
          range_end: b64(prefixRangeEnd(auth.prefix)),
        },
      },
    ],
    ['/v3/auth/user/add', { name: auth.username, password: auth.password }],
    ['/v3/auth/user/grant', { user: auth.username, role: auth.role }],
    ['/v3/auth/enable', {}],
  ];
  for (const [path, body] of steps) {
    const res = await member.post(path, body);
    if (res.status !== 200) {
      throw new Error(
        `etcd auth set-up: ${path} answered ${res.status}: ${JSON.stringify(res.body)}`,
      );
    }
  }
  return auth;
}
