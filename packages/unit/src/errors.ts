import { FleetError } from '@fleet/runtime';

/**
 * Stable codes for everything that can be wrong with a unit file, a unit name or a set of
 * unit options. Callers branch on the code, never on the message.
 */
export type UnitErrorCode =
  | 'UNIT_PARSE'
  | 'UNIT_LINE_TOO_LONG'
  | 'UNIT_TOO_LARGE'
  | 'UNIT_NOT_TEXT'
  | 'UNIT_SECTION_UNKNOWN'
  | 'UNIT_EMPTY'
  | 'UNIT_NAME_INVALID'
  | 'UNIT_OPTIONS_INVALID';

/** Options accepted by the {@link UnitError} constructor. */
export interface UnitErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** 1-based line of the unit file the error refers to, for parse errors. */
  readonly line?: number;
}

/**
 * The only error this package throws. Bad input is never retryable: the same input gives
 * the same error, so `retryable` is always `false`.
 *
 * One class with the code as its first argument, not a class per code: every failure here is
 * "this input is bad", none carries behaviour of its own, and the parser picks the code and the
 * line together (`fail(code, line, message)`). The cause rides in the options as everywhere
 * (`FleetError`'s `(message, { cause })`), beside the unit-file `line`.
 */
export class UnitError extends FleetError {
  /** Stable, machine-readable reason. */
  readonly code: UnitErrorCode;
  /** Always `false`: retrying with the same input cannot succeed. */
  override readonly retryable = false as const;
  /** 1-based line number for errors found while parsing a unit file. */
  readonly line: number | undefined;

  /**
   * @param code - stable reason code
   * @param message - one clear line for a human
   * @param options - optional `cause` and unit-file `line`
   */
  constructor(code: UnitErrorCode, message: string, options?: UnitErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.line = options?.line;
  }
}
