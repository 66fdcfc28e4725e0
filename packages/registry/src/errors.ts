// The registry's error catalogue. Callers branch on `code` (stable) and retry on `retryable`,
// never on messages. Every error names what it is about in one clear line. Every class extends
// runtime's FleetError; constructors take what the error is about, then `{ cause }`.
import { FleetError, oneLine } from '@fleet/runtime';
import type { LeaderInfo, UnitHead } from './types.js';

/** The last constructor argument of every error: what caused it. */
export interface CauseOptions {
  readonly cause?: unknown;
}

/** Stable codes of every error the registry throws. */
export type RegistryErrorCode =
  | 'REGISTRY_INVALID_INPUT'
  | 'REGISTRY_UNIT_EXISTS'
  | 'REGISTRY_UNIT_NOT_FOUND'
  | 'REGISTRY_UNIT_TOO_LARGE'
  | 'REGISTRY_NOT_LEADER'
  | 'REGISTRY_MACHINE_EXISTS'
  | 'REGISTRY_SESSION_LOST'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_ACCESS_DENIED'
  | 'REGISTRY_CONFLICT'
  | 'REGISTRY_CORRUPT_RECORD'
  | 'REGISTRY_STORE_REJECTED'
  | 'REGISTRY_LEASE_EXPIRED'
  | 'REGISTRY_COMPACTED'
  | 'REGISTRY_CLOSED'
  | 'REGISTRY_ROLLOUT_NOT_FOUND'
  | 'REGISTRY_ROLLOUT_STATE';

/** Base class: a stable `code`, whether retrying the same call can succeed, and the `cause`. */
export abstract class RegistryError extends FleetError {
  abstract override readonly code: RegistryErrorCode;
}

/** A name, state, ID, token or record the caller passed is malformed. Nothing was written. */
export class InvalidInputError extends RegistryError {
  readonly code = 'REGISTRY_INVALID_INPUT';
}

/** `createUnit` found a unit with that name. `existing` is what is stored. */
export class UnitExistsError extends RegistryError {
  readonly code = 'REGISTRY_UNIT_EXISTS';
  constructor(
    readonly unitName: string,
    readonly existing: UnitHead | undefined,
  ) {
    super(`unit ${unitName} already exists`);
  }
}

/** The unit does not exist. */
export class UnitNotFoundError extends RegistryError {
  readonly code = 'REGISTRY_UNIT_NOT_FOUND';
  constructor(readonly unitName: string) {
    super(`unit ${unitName} does not exist`);
  }
}

/** The group has no current rollout. */
export class RolloutNotFoundError extends RegistryError {
  readonly code = 'REGISTRY_ROLLOUT_NOT_FOUND';
  constructor(readonly group: string) {
    super(`${group} has no rollout in progress`);
  }
}

/** The rollout's state does not allow the change (pause only a running one, resume a paused one). */
export class RolloutStateError extends RegistryError {
  readonly code = 'REGISTRY_ROLLOUT_STATE';
  constructor(
    readonly group: string,
    readonly state: string,
    message: string,
  ) {
    super(message);
  }
}

/** The unit's stored form would exceed etcd's request limit; refused before anything was written. */
export class UnitTooLargeError extends RegistryError {
  readonly code = 'REGISTRY_UNIT_TOO_LARGE';
  constructor(
    readonly unitName: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `unit ${unitName} is too large to store: ${bytes} bytes stored form, limit ${limitBytes} bytes`,
    );
  }
}

/** A fenced write was refused: the fencing token no longer matches the leader key. */
export class NotLeaderError extends RegistryError {
  readonly code = 'REGISTRY_NOT_LEADER';
  constructor(
    readonly token: string,
    readonly currentLeader: LeaderInfo | undefined,
    /** For batched writes: how many batches committed before the refusal. */
    readonly committedBatches = 0,
  ) {
    super(
      `fenced write refused: token ${token} is not the leader's` +
        (currentLeader === undefined
          ? ' (there is no leader)'
          : ` (leader is ${currentLeader.candidateId} with token ${currentLeader.token})`),
    );
  }
}

/**
 * A live session already registered this machine ID (or a crashed one's key has not expired
 * yet). Retryable: it succeeds once that session's lease runs out.
 */
export class MachineExistsError extends RegistryError {
  readonly code = 'REGISTRY_MACHINE_EXISTS';
  override readonly retryable = true;
  constructor(readonly machineId: string) {
    super(`machine ${machineId} is already registered by a live session`);
  }
}

/** The session's lease is gone (expired or revoked): register again with a new session. */
export class SessionLostError extends RegistryError {
  readonly code = 'REGISTRY_SESSION_LOST';
  constructor(
    readonly machineId: string,
    options?: CauseOptions,
  ) {
    super(`session of machine ${machineId} is lost: its lease expired or was revoked`, options);
  }
}

/** The store could not be reached or did not answer in time. Retry later. */
export class UnavailableError extends RegistryError {
  readonly code = 'REGISTRY_UNAVAILABLE';
  override readonly retryable = true;
  constructor(
    readonly endpoints: readonly string[],
    options?: CauseOptions,
  ) {
    const why = options?.cause instanceof Error ? `: ${oneLine(options.cause)}` : '';
    super(`etcd is unavailable at ${endpoints.join(', ')}${why}`, options);
  }
}

/**
 * etcd refused who we are or what we asked: a wrong user name or password, a client certificate
 * it does not trust, a certificate of etcd's that we do not trust, or a role without permission on
 * the keys. Not retryable: the same call fails the same way until the credentials or the role are
 * fixed (callers that loop, like the agent, keep trying at their slow pace).
 */
export class AccessDeniedError extends RegistryError {
  readonly code = 'REGISTRY_ACCESS_DENIED';
}

/** Optimistic retries ran out because other writers kept changing the same keys. */
export class ConflictError extends RegistryError {
  readonly code = 'REGISTRY_CONFLICT';
  override readonly retryable = true;
}

/** A stored record could not be decoded; `key` names it. Reads skip such records instead. */
export class CorruptRecordError extends RegistryError {
  readonly code = 'REGISTRY_CORRUPT_RECORD';
  constructor(
    readonly key: string,
    detail: string,
    options?: CauseOptions,
  ) {
    super(`corrupt record at ${key}: ${detail}`, options);
  }
}

/** The store refused the request as malformed (a registry bug or a misconfigured limit). */
export class StoreRejectedError extends RegistryError {
  readonly code = 'REGISTRY_STORE_REJECTED';
}

/** A write used a lease that the store no longer knows. Internal; surfaces as a handle's loss. */
export class LeaseExpiredError extends RegistryError {
  readonly code = 'REGISTRY_LEASE_EXPIRED';
  constructor(
    readonly leaseId: bigint,
    options?: CauseOptions,
  ) {
    super(`lease ${leaseId} expired or was revoked`, options);
  }
}

/** A read at a revision the store has compacted away. Retry from a fresh read. */
export class CompactedError extends RegistryError {
  readonly code = 'REGISTRY_COMPACTED';
  override readonly retryable = true;
  constructor(
    readonly revision: bigint,
    options?: CauseOptions,
  ) {
    super(`revision ${revision} has been compacted`, options);
  }
}

/** The registry (or the handle) was closed. */
export class ClosedError extends RegistryError {
  readonly code = 'REGISTRY_CLOSED';
}

/** Whether `err` is a registry error with the given code. */
export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}
