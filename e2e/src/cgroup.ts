import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The cgroup directories of one machine: one per hierarchy that systemd uses (the v1 `name=systemd`
 * tree and the v2 tree on a hybrid host such as this one, or just the v2 tree on a unified host).
 *
 * Why: with `--keep-unit`, systemd-nspawn puts the container in `payload/` below its *own* cgroup.
 * Two containers started from the same cgroup would share one tree: `foo.service`'s cgroup in one
 * machine would also hold the other machine's `foo.service` processes (seen inside as PID 0), so
 * each systemd's view of "is this unit's cgroup empty" would depend on the other machine, and
 * `payload/` would be left at the host's cgroup root. So each machine's nspawn is moved into a
 * cgroup of its own before it starts. That tree then names exactly the processes a machine
 * consists of, which is how leftovers are found and killed.
 */
export interface MachineCgroup {
  /** Absolute directories, v2 first. Every process of the machine is in each of them. */
  dirs: string[];
}

interface Hierarchy {
  mount: string;
  v2: boolean;
  /** Our own cgroup path in this hierarchy, from /proc/self/cgroup. */
  own: string;
}

async function hierarchies(): Promise<Hierarchy[]> {
  const own = new Map<string, string>();
  for (const line of (await readFile('/proc/self/cgroup', 'utf8')).split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) own.set(m[1], m[2]);
  }
  const found: Hierarchy[] = [];
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const [left, right] = line.split(' - ');
    const mount = left?.split(' ')[4];
    const [fstype, , options] = right?.split(' ') ?? [];
    if (mount === undefined) continue;
    if (fstype === 'cgroup2') found.push({ mount, v2: true, own: own.get('') ?? '/' });
    if (fstype === 'cgroup' && options?.split(',').includes('name=systemd')) {
      found.push({ mount, v2: false, own: own.get('name=systemd') ?? '/' });
    }
  }
  if (found.length === 0) throw new Error('no cgroup2 or name=systemd hierarchy is mounted');
  return found.sort((a, b) => Number(b.v2) - Number(a.v2));
}

/** Creates a fresh cgroup named `name` beside our own in every hierarchy systemd uses. */
export async function createMachineCgroup(name: string): Promise<MachineCgroup> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad cgroup name: ${name}`);
  const dirs: string[] = [];
  for (const h of await hierarchies()) {
    const dir = join(h.mount, h.own, name);
    await mkdir(dir);
    dirs.push(dir);
  }
  return { dirs };
}

/** Shell code that moves the shell running it (`$$`) into the machine's cgroups, or exits 97. */
export function joinCgroupScript(cg: MachineCgroup): string {
  return cg.dirs.map((d) => `echo $$ > '${d}/cgroup.procs' || exit 97`).join('; ');
}

/**
 * Shell code that kills every process left in the machine's cgroups (`cgroup.kill` where the
 * kernel has it, else SIGKILL to each listed PID until none is left, for up to 10 s), then removes
 * the cgroup directories, deepest first. Its exit status is non-zero if a directory remains.
 */
export function killAndRemoveCgroupScript(cg: MachineCgroup): string {
  const dirs = cg.dirs.map((d) => `'${d}'`).join(' ');
  return [
    `for d in ${dirs}; do [ -e "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill"; done`,
    'i=0; while [ $i -lt 100 ]; do',
    `  pids=$(find ${dirs} -name cgroup.procs -exec cat {} + 2>/dev/null)`,
    '  [ -z "$pids" ] && break',
    '  kill -9 $pids 2>/dev/null; sleep 0.1; i=$((i+1))',
    'done',
    'i=0; while [ $i -lt 50 ]; do',
    `  find ${dirs} -depth -type d -exec rmdir {} + 2>/dev/null`,
    `  left=0; for d in ${dirs}; do [ -e "$d" ] && left=1; done`,
    '  [ $left = 0 ] && break',
    '  sleep 0.1; i=$((i+1))',
    'done',
    `[ $left = 0 ] || { echo "cgroup not removed: $(find ${dirs} -name cgroup.procs)" >&2; false; }`,
  ].join('\n');
}
