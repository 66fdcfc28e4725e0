// Exit statuses of commands that ended by a signal, as shells report them.
import { constants } from 'node:os';

/** 128 + the signal's number (`TERM` or `SIGTERM`), or 255 when it is unknown. */
export function signalStatus(signal: string): number {
  const name = (
    signal.startsWith('SIG') ? signal : `SIG${signal}`
  ) as keyof typeof constants.signals;
  const n = constants.signals[name];
  return typeof n === 'number' ? 128 + n : 255;
}
