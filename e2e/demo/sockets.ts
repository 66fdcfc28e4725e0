// What a process listens on, read from /proc as the kernel sees it: the listening sockets of the
// process' own network namespace (/proc/PID/net/tcp, tcp6, unix) that are among its open files
// (/proc/PID/fd). Used by the demo's test to show that fleetd in a machine serves no TCP port.
import { readFile, readdir, readlink } from 'node:fs/promises';

/** TCP state 0A is LISTEN (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';
/** __SO_ACCEPTCON in /proc/net/unix's Flags column: a listening unix socket. */
const UNIX_LISTENING = 0x10000;

/** The socket inodes among a process' open files (`socket:[12345]` links in /proc/PID/fd). */
async function socketInodes(pid: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m?.[1] !== undefined) out.add(m[1]);
  }
  return out;
}

/** The rows of a /proc/net table, split on whitespace, without the header. */
async function rows(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length > 1);
}

/** `a.b.c.d:port` from /proc/net/tcp's little-endian hex (IPv6 addresses are left in hex). */
function address(hex: string): string {
  const [ip = '', port = '0'] = hex.split(':');
  const p = parseInt(port, 16);
  if (ip.length !== 8) return `[${ip}]:${p}`;
  const bytes = (ip.match(/../g) ?? []).map((b) => parseInt(b, 16)).reverse();
  return `${bytes.join('.')}:${p}`;
}

/** What one process listens on. */
export interface Listeners {
  /** Listening TCP sockets (IPv4 and IPv6) the process holds, as `address:port`. */
  readonly tcp: string[];
  /** Listening unix sockets the process holds, by path (`''` for an unnamed one). */
  readonly unix: string[];
}

/** The listening sockets held by process `pid`, in its own network namespace. */
export async function listeners(pid: number): Promise<Listeners> {
  const mine = await socketInodes(pid);
  const tcp: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const r of await rows(`/proc/${pid}/net/${table}`)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (r[3] === TCP_LISTEN && mine.has(r[9] ?? '')) tcp.push(address(r[1] ?? ''));
    }
  }
  const unix: string[] = [];
  for (const r of await rows(`/proc/${pid}/net/unix`)) {
    // Num RefCount Protocol Flags Type St Inode [Path]
    const listening = (parseInt(r[3] ?? '0', 16) & UNIX_LISTENING) !== 0;
    if (listening && mine.has(r[6] ?? '')) unix.push(r[7] ?? '');
  }
  return { tcp, unix };
}

/** Every process descended from `ancestor` (not itself), by PID. */
export async function descendants(ancestor: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (stat === '') continue;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parent.set(Number(name), ppid);
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    while (p !== undefined && p > 1 && p !== ancestor) p = parent.get(p);
    if (p === ancestor) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

/** The command line of a process (arguments joined by spaces), `''` once it is gone. */
export async function commandLine(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean).join(' ');
}
