import { readFile, readdir } from 'node:fs/promises';

/** A process as the kernel names it: its PID and its start time (so a reused PID is not it). */
export interface ProcessId {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks after boot at which the process started. */
  startTime: string;
}

/** Parses /proc/PID/stat (the command name may contain spaces and parentheses). */
async function stat(pid: number): Promise<{ state: string; ppid: number; startTime: string }> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

/** The identity of a running process, or `undefined` if there is no such process. */
export async function processId(pid: number): Promise<ProcessId | undefined> {
  return stat(pid).then(
    (s) => ({ pid, startTime: s.startTime }),
    () => undefined,
  );
}

/** Whether that very process still exists and has not exited (a zombie counts as gone). */
export async function isAlive(p: ProcessId): Promise<boolean> {
  const s = await stat(p.pid).catch(() => undefined);
  return s !== undefined && s.startTime === p.startTime && s.state !== 'Z' && s.state !== 'X';
}

/** The direct children of `pid`, from /proc/PID/task/TID/children. */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const kids: number[] = [];
  for (const tid of tasks) {
    const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
    for (const k of text.split(/\s+/)) if (k !== '') kids.push(Number(k));
  }
  return kids;
}

/**
 * The container's init among the children of a systemd-nspawn process: the child that is PID 1 of
 * its own PID namespace and already runs systemd. `undefined` while nspawn is still setting up.
 */
export async function findContainerInit(nspawnPid: number): Promise<ProcessId | undefined> {
  for (const pid of await childPids(nspawnPid)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (nspid !== undefined && nspid.length >= 2 && nspid.at(-1) === '1' && comm === 'systemd') {
      return processId(pid);
    }
  }
  return undefined;
}
