// Progress of a blocking command on a terminal: one line on stderr, redrawn as units move, and
// cleared before any other output. Off when stderr is not a terminal (fleet's plain lines only).
import type { Writable } from 'node:stream';
import { escapeControls } from '../output/escape.js';

/** The progress line of one command. */
export class Progress {
  private readonly status = new Map<string, string>();
  private drawn = false;

  constructor(
    private readonly stderr: Writable,
    private readonly enabled: boolean,
    private readonly what: string,
  ) {}

  /** Sets a unit's status and redraws. */
  set(unit: string, status: string): void {
    this.status.set(unit, status);
    this.draw();
  }

  /** Forgets a unit (it is done) and redraws. */
  remove(unit: string): void {
    this.status.delete(unit);
    this.draw();
  }

  /** Clears the line, runs `print`, and draws the line again. */
  around(print: () => void): void {
    this.clear();
    print();
    this.draw();
  }

  /** Removes the line from the terminal. */
  clear(): void {
    if (!this.drawn) return;
    this.stderr.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(): void {
    if (!this.enabled) return;
    this.clear();
    if (this.status.size === 0) return;
    const parts = [...this.status].map(([u, s]) => `${u} (${escapeControls(s)})`);
    const cols = (this.stderr as { columns?: number }).columns ?? 100;
    let line = `Waiting for ${this.status.size} unit(s) to ${this.what}: ${parts.join(', ')}`;
    if (line.length > cols - 1) line = `${line.slice(0, Math.max(cols - 4, 10))}...`;
    this.stderr.write(line);
    this.drawn = true;
  }
}
