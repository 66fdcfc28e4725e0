// What a fleetctl command is: its name, help, flags and what it runs. One file per command under
// src/commands/ exports one of these; it is loaded only when that command runs.
import type { Options } from 'yargs';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

/** A command. */
export interface CommandSpec {
  readonly name: string;
  /** Arguments after the command name, for help: `[--no-block] UNIT...`. */
  readonly usage: string;
  readonly summary: string;
  /** Longer help text (examples, notes). */
  readonly description?: string;
  /** Positional arguments in yargs syntax (`[units..]`); none if absent. */
  readonly positional?: string;
  /** The command's own flags, by name. */
  readonly options?: Readonly<Record<string, Options>>;
  /** Runs the command. @returns the exit code */
  run(ctx: Context, args: Args): Promise<number>;
}

/** A command's parsed arguments, with typed access. */
export class Args {
  constructor(private readonly raw: Readonly<Record<string, unknown>>) {}

  /** A flag's value; the last one when it was given more than once. */
  private flag(name: string): unknown {
    const v = this.raw[name];
    return Array.isArray(v) ? (v as unknown[])[v.length - 1] : v;
  }

  /** A string flag (`''` if unset). */
  string(name: string): string {
    const v = this.flag(name);
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
  }

  /** A boolean flag. */
  bool(name: string): boolean {
    return this.flag(name) === true;
  }

  /**
   * A non-negative integer flag.
   * @throws UsageError if it is not one
   */
  int(name: string): number {
    const v = this.flag(name);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new UsageError(`--${name} must be a non-negative integer`);
    }
    return v;
  }

  /** A positional list (`[units..]`). */
  list(name: string): string[] {
    const v = this.raw[name];
    if (Array.isArray(v)) return v.map(String);
    return v === undefined ? [] : [String(v)];
  }

  /**
   * A positional list followed by the words after `--`: unit arguments, so that a name starting
   * with `-` can be given (`fleetctl destroy -- -H.service`).
   */
  operands(name: string): string[] {
    return [...this.list(name), ...this.rest()];
  }

  /** The arguments after `--`. */
  rest(): string[] {
    const v = this.raw['--'];
    return Array.isArray(v) ? v.map(String) : [];
  }
}
