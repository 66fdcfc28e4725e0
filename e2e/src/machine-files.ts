import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSshKey, type SshKey } from './ssh-keys.js';

/** Where the machine's sshd finds its host key and root's authorized keys (bound read-only). */
const SSH_DIR_INSIDE = '/etc/ssh/fleet-e2e';

/** The per-machine files that are bound into a container, and what they say. */
export interface MachineFiles {
  machineId: string;
  hostKey: SshKey;
  /** `--bind-ro=` values for systemd-nspawn. */
  binds: string[];
}

/** A fresh random machine ID: 32 lowercase hex digits, as in /etc/machine-id. */
export function randomMachineId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Writes a machine's identity into `dir`: machine ID, hostname, an SSH host key, root's authorized
 * keys, and an sshd drop-in that makes sshd listen on the machine's own loopback address only.
 */
export async function writeMachineFiles(
  dir: string,
  m: { name: string; address: string; authorizedKeys: readonly string[] },
): Promise<MachineFiles> {
  const sshDir = join(dir, 'ssh');
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  const machineId = randomMachineId();
  await writeFile(join(dir, 'machine-id'), `${machineId}\n`);
  await writeFile(join(dir, 'hostname'), `${m.name}\n`);
  const hostKey = await generateSshKey(sshDir, 'ssh_host_ed25519_key', `root@${m.name}`);
  await writeFile(join(sshDir, 'authorized_keys'), m.authorizedKeys.map((k) => `${k}\n`).join(''));
  const dropIn = [
    `ListenAddress ${m.address}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    `HostKey ${SSH_DIR_INSIDE}/ssh_host_ed25519_key`,
    `AuthorizedKeysFile .ssh/authorized_keys ${SSH_DIR_INSIDE}/authorized_keys`,
  ];
  await writeFile(join(dir, 'sshd.conf'), dropIn.join('\n') + '\n');
  return {
    machineId,
    hostKey,
    binds: [
      `${join(dir, 'machine-id')}:/etc/machine-id`,
      `${join(dir, 'hostname')}:/etc/hostname`,
      `${sshDir}:${SSH_DIR_INSIDE}`,
      `${join(dir, 'sshd.conf')}:/etc/ssh/sshd_config.d/fleet-e2e.conf`,
    ],
  };
}
