// The client's error catalogue: one class per way a call can fail, each with a stable code and
// whether retrying the same call can succeed. Every class extends @fleet/runtime's FleetError.
import { FleetError, oneLine } from '@fleet/runtime';

/** Stable codes of every error the client throws. */
export type FleetClientErrorCode =
  'API_ERROR' | 'API_UNREACHABLE' | 'API_TIMEOUT' | 'API_BAD_RESPONSE' | 'API_BAD_ENDPOINT';

/** Base class of the client's errors. */
export abstract class FleetClientError extends FleetError {
  abstract override readonly code: FleetClientErrorCode;
}

/** The server answered with an error status; `message` is the server's message. */
export class ApiError extends FleetClientError {
  readonly code = 'API_ERROR';
  /** A 503 (fleetd cannot reach its store) may pass; any other status will not. */
  override readonly retryable: boolean;
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
  override readonly retryable = true;
  constructor(
    readonly endpoint: string,
    options: { readonly cause: unknown },
  ) {
    super(`cannot reach the fleet API at ${endpoint}: ${oneLine(options.cause)}`, options);
  }
}

/** No complete answer within the per-request timeout. */
export class TimeoutError extends FleetClientError {
  readonly code = 'API_TIMEOUT';
  override readonly retryable = true;
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
}

/** The endpoint string (or a TLS file it needs) cannot be used. */
export class EndpointError extends FleetClientError {
  readonly code = 'API_BAD_ENDPOINT';
}
