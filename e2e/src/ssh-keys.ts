import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from './run.js';

/** An ed25519 key pair on disk: `path` is the private key, `publicKey` the `ssh-ed25519 …` line. */
export interface SshKey {
  path: string;
  publicKey: string;
}

/** Generates an ed25519 key pair without passphrase at `dir/name` (and `dir/name.pub`). */
export async function generateSshKey(dir: string, name: string, comment: string): Promise<SshKey> {
  const path = join(dir, name);
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return { path, publicKey: (await readFile(`${path}.pub`, 'utf8')).trim() };
}

/** A `known_hosts` line for a host key served on `address` (port 22). */
export function knownHostsLine(address: string, hostKey: SshKey): string {
  const [type, key] = hostKey.publicKey.split(' ');
  return `${address} ${type ?? ''} ${key ?? ''}`;
}

/**
 * Arguments for the OpenSSH client that log in as root on `address` with `key`, checking the
 * host key strictly against `knownHosts` and ignoring the user's own ssh config.
 */
export function sshArgs(address: string, key: string, knownHosts: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'ConnectTimeout=5',
    `root@${address}`,
  ];
}
