// In-memory stand-ins for a process's streams, for running fleetctl in-process.
import { PassThrough, Readable, Writable } from 'node:stream';
import type { Terminal } from '../ssh/terminal.js';

/** A writable that keeps what is written; `isTTY` can be faked. */
export class Capture extends Writable {
  private readonly chunks: string[] = [];
  readonly isTTY: boolean;
  readonly columns = 200;

  constructor(
    tty = false,
    private readonly onWrite?: (text: string) => void,
  ) {
    super();
    this.isTTY = tty;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.chunks.push(text);
    this.onWrite?.(text);
    done();
  }

  /** Everything written so far. */
  text(): string {
    return this.chunks.join('');
  }
}

/** stdin with the given text, then end of input; or an input that never ends (`open`). */
export function input(text: string | 'open' = ''): Readable {
  if (text === 'open') return new PassThrough();
  return Readable.from(text === '' ? [] : [Buffer.from(text, 'utf8')]);
}

/**
 * A controlling terminal for tests: what the user will type, and what was shown on it. `opens`
 * counts how often fleetctl opened it.
 */
export class FakeTerminal {
  readonly output = new Capture(true);
  opens = 0;

  constructor(private readonly typed: string) {}

  /** The opener to give `run` (`openTerminal`). */
  readonly open = (): Terminal => {
    this.opens++;
    return { input: input(this.typed), output: this.output, close: () => undefined };
  };

  /** Everything shown on the terminal. */
  text(): string {
    return this.output.text();
  }
}
