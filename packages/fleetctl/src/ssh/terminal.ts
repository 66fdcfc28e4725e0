// The controlling terminal, for the one question fleetctl asks (trust a new host key?): as
// OpenSSH, the answer comes from /dev/tty, never from stdin, so piped input can neither answer
// "yes" for the user nor lose its first line to the question. No terminal: no question.
import { closeSync, openSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import tty from 'node:tty';

/** A terminal to ask on: what the user types, and where the question is shown. */
export interface Terminal {
  readonly input: Readable;
  readonly output: Writable;
  /** Releases the terminal (fleetctl must not hold it open afterwards). */
  close(): void;
}

/** Opens the controlling terminal, or `undefined` when there is none. */
export type TerminalOpener = () => Terminal | undefined;

/** The process's controlling terminal (`/dev/tty`), if it has one. */
export const openControllingTerminal: TerminalOpener = () => {
  let r: number | undefined;
  let w: number | undefined;
  try {
    r = openSync('/dev/tty', 'r');
    w = openSync('/dev/tty', 'w');
    if (!tty.isatty(r) || !tty.isatty(w)) throw new Error('/dev/tty is not a terminal');
  } catch {
    for (const fd of [r, w]) if (fd !== undefined) closeSync(fd);
    return undefined;
  }
  const input = new tty.ReadStream(r);
  const output = new tty.WriteStream(w);
  return {
    input,
    output,
    close: () => {
      input.destroy();
      output.destroy();
    },
  };
};
