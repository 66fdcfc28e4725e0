// The client's error catalogue: one class per way a call can fail, each with a stable code and
// whether retrying the same call can succeed.

/** Stable codes of every error the client throws. */
export type FleetClientErrorCode =
  'API_ERROR' | 'API_UNREACHABLE' | 'API_TIMEOUT' | 'API_BAD_RESPONSE' | 'API_BAD_ENDPOINT';

/** Base class of the client's errors. */
export abstract class FleetClientError extends Error {
  abstract readonly code: FleetClientErrorCode;
  abstract readonly retryable: boolean;

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
  }
}

/** The server answered with an error status; `message` is the server's message. */
export class ApiError extends FleetClientError {
  readonly code = 'API_ERROR';
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.retryable = status === 503;
  }
}

/** The endpoint could not be reached (refused, missing socket, TLS handshake, reset...). */
export class ConnectionError extends FleetClientError {
  readonly code = 'API_UNREACHABLE';
  readonly retryable = true;
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach the fleet API at ${endpoint}: ${why}`, cause);
  }
}

/** No complete answer within the per-request timeout. */
export class TimeoutError extends FleetClientError {
  readonly code = 'API_TIMEOUT';
  readonly retryable = true;
  constructor(
    readonly endpoint: string,
    readonly timeoutMs: number,
  ) {
    super(`the fleet API at ${endpoint} did not answer within ${timeoutMs} ms`);
  }
}

/** The server's answer was not what the API promises (not JSON, wrong shape, looping pages). */
export class BadResponseError extends FleetClientError {
  readonly code = 'API_BAD_RESPONSE';
  readonly retryable = false;
}

/** The endpoint string cannot be used. */
export class EndpointError extends FleetClientError {
  readonly code = 'API_BAD_ENDPOINT';
  readonly retryable = false;
}
