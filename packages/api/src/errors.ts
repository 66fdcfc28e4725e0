// The API's error catalogue: what every failure looks like on the wire, and how errors from the
// registry and the unit package become HTTP statuses. Users see one line, never a stack.
import {
  AccessDeniedError,
  ClosedError,
  ConflictError,
  InvalidInputError,
  UnavailableError,
  UnitExistsError,
  UnitNotFoundError,
  UnitTooLargeError,
} from '@fleet/registry';
import { FleetError } from '@fleet/runtime';
import { UnitError } from '@fleet/unit';

/** fleet's exact message for "the store cannot be reached" (and "not ready yet"). */
export const UNAVAILABLE_MESSAGE = 'fleet server unable to communicate with etcd';

/** Stable codes of the API's errors, by HTTP status. */
const CODES = {
  400: 'API_BAD_REQUEST',
  403: 'API_FORBIDDEN',
  404: 'API_NOT_FOUND',
  405: 'API_METHOD_NOT_ALLOWED',
  409: 'API_CONFLICT',
  413: 'API_TOO_LARGE',
  415: 'API_UNSUPPORTED_MEDIA_TYPE',
  503: 'API_UNAVAILABLE',
} as const;

/** Stable codes of every error the API server answers with (`API_HTTP_ERROR`: another status). */
export type ApiErrorCode =
  (typeof CODES)[keyof typeof CODES] | 'API_HTTP_ERROR' | 'API_CLIENT_GONE';

/** Options of {@link HttpError}: extra response headers and what caused it. */
export interface HttpErrorOptions {
  /** Extra response headers (e.g. `Allow`, `Connection: close`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * A failure with an HTTP status and a one-line message for the caller: the API boundary's
 * mapping of every failure. Its code follows the status; 503 is retryable.
 */
export class HttpError extends FleetError {
  readonly code: ApiErrorCode;
  override readonly retryable: boolean;
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param status - the HTTP status code
   * @param message - one clear line for the caller; empty for 500s
   */
  constructor(
    readonly status: number,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message, options);
    this.code = (CODES as Record<number, ApiErrorCode | undefined>)[status] ?? 'API_HTTP_ERROR';
    this.retryable = status === 503;
    this.headers = options.headers ?? {};
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
    return new HttpError(err.code === 'UNIT_TOO_LARGE' ? 413 : 400, err.message, { cause: err });
  }
  // etcd refusing fleetd's own credentials is an outage to the caller, as etcd being down is
  // (the agent logs the cause).
  if (
    err instanceof UnavailableError ||
    err instanceof ClosedError ||
    err instanceof AccessDeniedError
  ) {
    return new HttpError(503, UNAVAILABLE_MESSAGE, { cause: err });
  }
  if (err instanceof UnitTooLargeError) return new HttpError(413, err.message, { cause: err });
  if (err instanceof InvalidInputError) return new HttpError(400, err.message, { cause: err });
  if (err instanceof UnitExistsError) {
    return new HttpError(409, `unit ${JSON.stringify(err.unitName)} already exists`, {
      cause: err,
    });
  }
  if (err instanceof UnitNotFoundError) {
    return new HttpError(404, 'unit does not exist', { cause: err });
  }
  if (err instanceof ConflictError) {
    return new HttpError(409, 'the unit was changed concurrently; try again', { cause: err });
  }
  return undefined;
}
