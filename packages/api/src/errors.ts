// The API's error catalogue: what every failure looks like on the wire, and how errors from the
// registry and the unit package become HTTP statuses. Users see one line, never a stack.
import {
  ClosedError,
  ConflictError,
  InvalidInputError,
  UnavailableError,
  UnitExistsError,
  UnitNotFoundError,
  UnitTooLargeError,
} from '@fleet/registry';
import { UnitError } from '@fleet/unit';

/** fleet's exact message for "the store cannot be reached" (and "not ready yet"). */
export const UNAVAILABLE_MESSAGE = 'fleet server unable to communicate with etcd';

/** A failure with an HTTP status and a one-line message for the caller. */
export class HttpError extends Error {
  /**
   * @param status - the HTTP status code
   * @param message - one clear line for the caller; empty for 500s
   * @param headers - extra response headers (e.g. `Allow`, `Connection: close`)
   */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** fleet's error body: `{"error":{"code":<status>,"message":"..."}}`. */
export interface ErrorBody {
  readonly error: { readonly code: number; readonly message: string };
}

/** The wire form of an error. */
export function errorBody(status: number, message: string): ErrorBody {
  return { error: { code: status, message } };
}

/**
 * Maps a thrown error to the HTTP error the caller should see, or `undefined` when it is
 * unexpected (the caller answers 500 with an empty message and logs it).
 */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof UnitError) {
    return new HttpError(
      err.code === 'UNIT_TOO_LARGE' ? 413 : 400,
      err.message,
      {},
      { cause: err },
    );
  }
  if (err instanceof UnavailableError || err instanceof ClosedError) {
    return new HttpError(503, UNAVAILABLE_MESSAGE, {}, { cause: err });
  }
  if (err instanceof UnitTooLargeError) return new HttpError(413, err.message, {}, { cause: err });
  if (err instanceof InvalidInputError) return new HttpError(400, err.message, {}, { cause: err });
  if (err instanceof UnitExistsError) {
    return new HttpError(
      409,
      `unit ${JSON.stringify(err.unitName)} already exists`,
      {},
      { cause: err },
    );
  }
  if (err instanceof UnitNotFoundError) {
    return new HttpError(404, 'unit does not exist', {}, { cause: err });
  }
  if (err instanceof ConflictError) {
    return new HttpError(409, 'the unit was changed concurrently; try again', {}, { cause: err });
  }
  return undefined;
}
