// units_directory belongs to fleet: the agent stops and deletes every unit file there that is not
// assigned to its machine, and SIGTERM drains all of them. Pointed at a directory systemd loads
// units from, a one-line typo would stop and delete sshd, etcd and fleet itself.
import { posix } from 'node:path';

/** Where systemd loads unit files from (systemd.unit(5), system and user managers). */
const SYSTEMD_UNIT_DIRS: readonly string[] = [
  '/etc/systemd/system',
  '/etc/systemd/system.control',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.control',
  '/run/systemd/system.attached',
  '/run/systemd/transient',
  '/run/systemd/generator',
  '/run/systemd/generator.early',
  '/run/systemd/generator.late',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
  '/etc/systemd/user',
  '/run/systemd/user',
  '/usr/local/lib/systemd/user',
  '/usr/lib/systemd/user',
  '/lib/systemd/user',
  '/usr/local/share/systemd/user',
  '/usr/share/systemd/user',
];

/** Subdirectories systemd reads inside a unit directory: `x.wants/`, `x.requires/`, `x.d/`. */
const SYSTEMD_SUBDIR = /\.(wants|requires|upholds|d)$/;

/**
 * Why `dir` cannot be fleet's units directory, or undefined if it can. `dir` is absolute; it is
 * compared after `.`/`..`/`//` are resolved (fleetd also checks the real path at start-up).
 */
export function unitsDirectoryProblem(dir: string): string | undefined {
  const d = posix.normalize(dir).replace(/(.)\/+$/, '$1');
  if (d === '/') return 'it is the root directory';
  const parent = posix.dirname(d);
  const isUserDir = (p: string) => p.endsWith('/.config/systemd/user');
  if (SYSTEMD_UNIT_DIRS.includes(d) || isUserDir(d))
    return 'systemd loads its own units from there';
  if (
    (SYSTEMD_UNIT_DIRS.includes(parent) || isUserDir(parent)) &&
    SYSTEMD_SUBDIR.test(posix.basename(d))
  )
    return 'systemd reads that directory of its own units';
  return undefined;
}

/** The one-line refusal for {@link unitsDirectoryProblem}. */
export function unitsDirectoryMessage(dir: string, problem: string): string {
  return (
    `invalid value for units_directory: ${JSON.stringify(dir)} (${problem}; fleet stops and ` +
    'deletes every unit file in its units directory that is not assigned to this machine)'
  );
}
