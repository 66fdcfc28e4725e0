import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  algorithmName,
  checkKnownHosts,
  fingerprint,
  hostMatches,
  hostToken,
  keyType,
  knownHostsLine,
  knownKeyTypes,
} from './known-hosts.js';

/** A wire-format blob with the given type and some key bytes. */
function blob(type: string, seed: number): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.alloc(32, seed)]);
}

const ED = blob('ssh-ed25519', 1);
const ED_OTHER = blob('ssh-ed25519', 2);
const RSA = blob('ssh-rsa', 3);
const b64 = (k: Buffer) => k.toString('base64');

function hashed(token: string): string {
  const salt = randomBytes(20);
  const mac = createHmac('sha1', salt).update(token).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

describe('host tokens and patterns', () => {
  it('writes [host]:port except for port 22', () => {
    expect(hostToken('127.0.0.1', 22)).toBe('127.0.0.1');
    expect(hostToken('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.2', '127.0.0.1', false],
    ['127.0.0.*', '127.0.0.1', true],
    ['127.0.0.?', '127.0.0.12', false],
    ['127.0.0.??', '127.0.0.12', true],
    ['a,b,127.0.0.1', '127.0.0.1', true],
    ['127.0.0.*,!127.0.0.1', '127.0.0.1', false],
    ['127.0.0.*,!127.0.0.1', '127.0.0.2', true],
    ['!127.0.0.1', '127.0.0.2', false],
    ['[127.0.0.1]:2222', '[127.0.0.1]:2222', true],
    ['127.0.0.1', '[127.0.0.1]:2222', false],
    ['[127.0.0.*]:2222', '[127.0.0.7]:2222', true],
    ['Example.COM', 'example.com', true],
  ])('pattern %s vs %s → %s', (field, token, expected) => {
    expect(hostMatches(field, token)).toBe(expected);
  });

  it('matches hashed |1| entries by HMAC-SHA1 of the token', () => {
    expect(hostMatches(hashed('[127.0.0.2]:2299'), '[127.0.0.2]:2299')).toBe(true);
    expect(hostMatches(hashed('[127.0.0.2]:2299'), '[127.0.0.2]:2298')).toBe(false);
    expect(hostMatches('|1|broken', 'x')).toBe(false);
  });
});

describe('checkKnownHosts', () => {
  const token = '[127.0.0.1]:2222';

  it('finds a recorded key, ignoring comments, blank and malformed lines', () => {
    const text = `# comment\n\nnonsense\n${token} ssh-ed25519 ${b64(ED)}\n`;
    expect(checkKnownHosts(text, token, ED)).toEqual({ kind: 'match' });
  });

  it('reports a different key of the same type as a mismatch with its line', () => {
    const text = `other ssh-ed25519 ${b64(ED)}\n${token} ssh-ed25519 ${b64(ED_OTHER)}\n`;
    expect(checkKnownHosts(text, token, ED)).toEqual({ kind: 'mismatch', line: 2 });
  });

  it('treats a host known only with other key types as unknown, naming those types', () => {
    const text = `${token} ssh-rsa ${b64(RSA)}\n`;
    expect(checkKnownHosts(text, token, ED)).toEqual({ kind: 'unknown', otherTypes: ['ssh-rsa'] });
    expect(knownKeyTypes(text, token)).toEqual(['ssh-rsa']);
  });

  it('says unknown for a host not in the file', () => {
    expect(checkKnownHosts('', token, ED)).toEqual({ kind: 'unknown', otherTypes: [] });
  });

  it('honours @revoked, which wins over a matching line, and skips @cert-authority', () => {
    const text = `${token} ssh-ed25519 ${b64(ED)}\n@revoked * ssh-ed25519 ${b64(ED)}\n@cert-authority * ssh-ed25519 ${b64(ED_OTHER)}\n`;
    expect(checkKnownHosts(text, token, ED)).toEqual({ kind: 'revoked', line: 2 });
    expect(checkKnownHosts(`@cert-authority * ssh-ed25519 ${b64(ED_OTHER)}\n`, token, ED)).toEqual({
      kind: 'unknown',
      otherTypes: [],
    });
  });

  it('matches hashed entries and negated patterns', () => {
    expect(checkKnownHosts(`${hashed(token)} ssh-ed25519 ${b64(ED)}\n`, token, ED)).toEqual({
      kind: 'match',
    });
    const negated = `[127.0.0.*]:2222,![127.0.0.1]:2222 ssh-ed25519 ${b64(ED_OTHER)}\n`;
    expect(checkKnownHosts(negated, token, ED).kind).toBe('unknown');
  });

  it('appends lines that it then matches', () => {
    const line = knownHostsLine(token, ED);
    expect(line).toBe(`${token} ssh-ed25519 ${b64(ED)}\n`);
    expect(checkKnownHosts(line, token, ED)).toEqual({ kind: 'match' });
  });

  it('names key types and fingerprints as OpenSSH does', () => {
    expect(keyType(ED)).toBe('ssh-ed25519');
    expect(keyType(Buffer.alloc(2))).toBe('unknown');
    expect(algorithmName('ssh-ed25519')).toBe('ED25519');
    expect(algorithmName('ecdsa-sha2-nistp256')).toBe('ECDSA');
    expect(algorithmName('ssh-rsa')).toBe('RSA');
    expect(fingerprint(ED)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
