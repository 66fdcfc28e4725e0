// systemd socket activation (sd_listen_fds): the sockets systemd passed are fds 3..3+N-1, valid
// only when LISTEN_PID names this process.

/** The first fd systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/** Where to read the activation variables from (defaults: this process). */
export interface ActivationOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly pid?: number;
  /**
   * Remove LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from `env` once read, so child processes
   * do not think the sockets are theirs (default true, as go-systemd's `Files(true)`).
   */
  readonly unsetEnv?: boolean;
}

/** A socket systemd passed: its fd and its `FileDescriptorName=` (`unknown` if none was given). */
export interface ActivatedSocket {
  readonly fd: number;
  readonly name: string;
}

/**
 * The name a socket unit gives the read-only API socket (`FileDescriptorName=read`, as
 * `units/fleet-read.socket` does): its clients get the `read` role.
 */
export const READ_SOCKET_NAME = 'read';

/**
 * The fds systemd handed this process, in order; `[]` when not socket-activated (no or
 * malformed variables, or LISTEN_PID names another process).
 */
export function activationFds(opts: ActivationOptions = {}): number[] {
  return activatedSockets(opts).map((s) => s.fd);
}

/** The sockets systemd handed this process with their names (LISTEN_FDNAMES), in order. */
export function activatedSockets(opts: ActivationOptions = {}): ActivatedSocket[] {
  const env = opts.env ?? process.env;
  const pid = opts.pid ?? process.pid;
  const listenPid = env['LISTEN_PID'];
  const listenFds = env['LISTEN_FDS'];
  const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
  if (opts.unsetEnv ?? true) {
    delete env['LISTEN_PID'];
    delete env['LISTEN_FDS'];
    delete env['LISTEN_FDNAMES'];
  }
  if (listenPid === undefined || listenFds === undefined) return [];
  if (!/^[0-9]+$/.test(listenPid) || Number(listenPid) !== pid) return [];
  if (!/^[0-9]+$/.test(listenFds)) return [];
  const count = Number(listenFds);
  return Array.from({ length: count }, (_, i) => ({
    fd: LISTEN_FDS_START + i,
    name: names[i] || 'unknown',
  }));
}
