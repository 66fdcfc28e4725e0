import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The host commands the harness runs, and the Debian package that provides each. */
const COMMANDS: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  nsenter: 'util-linux',
  flock: 'util-linux',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
};

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const ok = await access(join(dir, command), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}

/** Throws one clear error if the harness cannot work here: not root, or commands missing. */
export async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the e2e harness must run as root');
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(COMMANDS)) {
    if (!(await onPath(command))) missing.push(`${command} (apt-get install ${pkg})`);
  }
  if (missing.length > 0) throw new Error(`missing on this host: ${missing.join(', ')}`);
}
