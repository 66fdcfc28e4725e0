// One error model for every package: a stable `code`, whether the same call can succeed if
// retried, and the `cause`. Each package keeps its own catalogue (one class per failure) that
// extends FleetError; loops decide by `retryable` (back off and stay) against anything else.

const BRAND = Symbol.for('fleet.error');

/** The base of every error fleet throws on purpose. */
export abstract class FleetError extends Error {
  /** Stable, upper-case, prefixed by the package: UNIT_*, REGISTRY_*, SYSTEMD_*, API_*, … */
  abstract readonly code: string;
  /** Whether retrying the same call later can succeed (the store was unreachable, a lease expired…). */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }

  /** Brand check, so `instanceof` holds across two installed copies of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== FleetError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && BRAND in value;
  }
}
Object.defineProperty(FleetError.prototype, BRAND, { value: true });

/** Whether `err` is one of fleet's errors (any package, any installed copy). */
export function isFleetError(err: unknown): err is FleetError {
  return err instanceof FleetError;
}

/** Whether retrying can help: a FleetError that says so. Anything else is not retryable. */
export function isRetryable(err: unknown): boolean {
  return isFleetError(err) && err.retryable;
}

/** The message of any thrown value, on one line (what users and log lines see). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}
