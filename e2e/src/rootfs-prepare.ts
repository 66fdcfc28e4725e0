import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Units that fail or do needless work in a container booted from a shared read-only rootfs:
 * the machine-id commit fails (each machine binds its own /etc/machine-id), the apt timers would
 * reach for the network, and the disk maintenance timers have no disk to maintain.
 */
export const MASKED_UNITS = [
  'systemd-machine-id-commit.service',
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'dpkg-db-backup.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
];

/**
 * What every machine needs that debootstrap does not do, applied once to a freshly built rootfs:
 * - no `/etc/machine-id` and no `/etc/hostname` (debootstrap copies the host's): each machine
 *   binds its own; D-Bus reads the machine ID from /etc/machine-id too;
 * - no SSH host keys: each machine binds its own, so host-key checks can tell machines apart;
 * - sshd reads `/etc/ssh/sshd_config.d/*.conf` first, where each machine binds its drop-in;
 * - {@link MASKED_UNITS} masked, a plain `/etc/hosts`, no downloaded .deb files.
 */
export async function prepareRootfs(root: string): Promise<void> {
  await rm(join(root, 'etc/machine-id'), { force: true });
  await rm(join(root, 'etc/hostname'), { force: true });
  await rm(join(root, 'var/lib/dbus/machine-id'), { force: true });
  await mkdir(join(root, 'var/lib/dbus'), { recursive: true });
  await symlink('/etc/machine-id', join(root, 'var/lib/dbus/machine-id'));
  await writeFile(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n');

  const ssh = join(root, 'etc/ssh');
  for (const name of await readdir(ssh)) {
    if (name.startsWith('ssh_host_')) await rm(join(ssh, name));
  }
  await mkdir(join(ssh, 'sshd_config.d'), { recursive: true });
  const config = await readFile(join(ssh, 'sshd_config'), 'utf8');
  if (!/^Include \/etc\/ssh\/sshd_config\.d\/\*\.conf$/m.test(config)) {
    // The include must come first: in sshd_config the first value given for a keyword wins.
    await writeFile(join(ssh, 'sshd_config'), `Include /etc/ssh/sshd_config.d/*.conf\n${config}`);
  }

  const units = join(root, 'etc/systemd/system');
  for (const unit of MASKED_UNITS) {
    await rm(join(units, unit), { force: true });
    await symlink('/dev/null', join(units, unit));
  }

  const debs = join(root, 'var/cache/apt/archives');
  for (const name of await readdir(debs).catch(() => [] as string[])) {
    if (name.endsWith('.deb')) await rm(join(debs, name));
  }
}
