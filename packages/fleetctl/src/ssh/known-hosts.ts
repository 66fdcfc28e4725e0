// OpenSSH known_hosts files: matching a host against a line's patterns (comma lists, `*` `?`
// wildcards, `!` negation, hashed `|1|salt|hmac` entries), `@revoked` lines, and what to append
// for a newly trusted host. Pure: the caller reads and writes the file.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What a known_hosts file says about a host's key. */
export type HostKeyStatus =
  | { readonly kind: 'match' }
  /** A recorded key of the same type differs: the host's identity changed. */
  | { readonly kind: 'mismatch'; readonly line: number }
  /** The key is listed as `@revoked`. */
  | { readonly kind: 'revoked'; readonly line: number }
  /** No key of this type is recorded for the host (`otherTypes`: types that are). */
  | { readonly kind: 'unknown'; readonly otherTypes: readonly string[] };

/** The host name OpenSSH records: `host` on port 22, else `[host]:port`. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type inside an SSH wire-format public key blob (`ssh-ed25519`, `ssh-rsa`...). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && 4 + len <= blob.length
    ? blob.subarray(4, 4 + len).toString('latin1')
    : 'unknown';
}

/** The short algorithm name OpenSSH prints: `ED25519`, `RSA`, `ECDSA`, `DSA`. */
export function algorithmName(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type === 'ssh-rsa') return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  return type;
}

/** OpenSSH's default fingerprint: `SHA256:<base64 without padding>`. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(field: string, token: string): boolean {
  const [, , salt, hash] = field.split('|');
  if (salt === undefined || hash === undefined) return false;
  const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest();
  const want = Buffer.from(hash, 'base64');
  return want.length === mac.length && timingSafeEqual(mac, want);
}

/** Whether a line's host field matches `token` (OpenSSH's match_hostname). */
export function hostMatches(field: string, token: string): boolean {
  if (field.startsWith('|1|')) return hashedMatches(field, token);
  let hit = false;
  for (const raw of field.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern === '' || !globToRegExp(pattern).test(token)) continue;
    if (negated) return false;
    hit = true;
  }
  return hit;
}

interface Entry {
  readonly line: number;
  readonly marker: string | undefined;
  readonly type: string;
  readonly key: Buffer;
}

function entriesFor(text: string, token: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    const marker = parts[0]?.startsWith('@') === true ? parts.shift() : undefined;
    const [hosts, type, b64] = parts;
    if (hosts === undefined || type === undefined || b64 === undefined) return;
    if (!hostMatches(hosts, token)) return;
    entries.push({ line: index + 1, marker, type, key: Buffer.from(b64, 'base64') });
  });
  return entries;
}

/**
 * What `text` (a known_hosts file) says about `key` (the wire-format blob the host presented)
 * for `token` (from {@link hostToken}). `@cert-authority` lines are ignored; a matching
 * `@revoked` line wins over everything.
 */
export function checkKnownHosts(text: string, token: string, key: Buffer): HostKeyStatus {
  const type = keyType(key);
  const entries = entriesFor(text, token);
  const same = (e: Entry) => e.key.length === key.length && timingSafeEqual(e.key, key);
  const revoked = entries.find((e) => e.marker === '@revoked' && same(e));
  if (revoked !== undefined) return { kind: 'revoked', line: revoked.line };
  const plain = entries.filter((e) => e.marker === undefined);
  if (plain.some(same)) return { kind: 'match' };
  const changed = plain.find((e) => e.type === type);
  if (changed !== undefined) return { kind: 'mismatch', line: changed.line };
  return { kind: 'unknown', otherTypes: [...new Set(plain.map((e) => e.type))] };
}

/** Key types recorded for `token` (to ask the server for one of those first). */
export function knownKeyTypes(text: string, token: string): string[] {
  return [
    ...new Set(
      entriesFor(text, token)
        .filter((e) => e.marker === undefined)
        .map((e) => e.type),
    ),
  ];
}

/** The line to append when trusting a host: `<token> <type> <base64>\n`. */
export function knownHostsLine(token: string, key: Buffer): string {
  return `${token} ${keyType(key)} ${key.toString('base64')}\n`;
}
