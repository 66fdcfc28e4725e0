// The SSH layer's error catalogue: transport failures, each with a stable code and whether trying
// again can help. The commands decide what a failure means to the user (the CLI's exit codes and
// lines); this layer knows nothing of them.
import { FleetError } from '@fleet/runtime';

/** Stable codes of the SSH layer's errors. */
export type SshErrorCode =
  'SSH_CONNECT' | 'SSH_CHANNEL' | 'SSH_TIMEOUT' | 'SSH_HOST_KEY' | 'SSH_AUTH' | 'SSH_NO_TERMINAL';

/** Base class of the SSH layer's errors. */
export abstract class SshError extends FleetError {
  abstract override readonly code: SshErrorCode;
}

/** The TCP connection or the SSH handshake failed (refused, reset, unreachable). */
export class SshConnectError extends SshError {
  readonly code = 'SSH_CONNECT';
  override readonly retryable = true;
}

/** The bastion (--tunnel) would not open a channel to the next host. */
export class SshChannelError extends SshError {
  readonly code = 'SSH_CHANNEL';
  override readonly retryable = true;
}

/** Setting up the connection took longer than --ssh-timeout. */
export class SshTimeoutError extends SshError {
  readonly code = 'SSH_TIMEOUT';
  override readonly retryable = true;
}

/** The host key was refused: unknown and not trusted, changed, or revoked. */
export class SshHostKeyError extends SshError {
  readonly code = 'SSH_HOST_KEY';
}

/** The server accepted none of the credentials offered. */
export class SshAuthError extends SshError {
  readonly code = 'SSH_AUTH';
}

/** A question had to be asked (trust a new host key?) and there is no terminal to ask on. */
export class NoTerminalError extends SshError {
  readonly code = 'SSH_NO_TERMINAL';
  constructor() {
    super('no terminal to ask on');
  }
}
