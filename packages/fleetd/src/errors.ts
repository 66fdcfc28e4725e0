// fleetd's error catalogue: why it refused to start. Each is one line for the operator (main
// prints it, the log carries the code); a refused configuration exits with EX_CONFIG, any other
// start failure with 1 (lifecycle.ts).
import { FleetError } from '@fleet/runtime';

/** Stable codes of fleetd's own errors. */
export type FleetdErrorCode =
  | 'FLEETD_CONFIG_INVALID'
  | 'FLEETD_NO_MACHINE_ID'
  | 'FLEETD_ETCD_TLS'
  | 'FLEETD_NO_DBUS'
  | 'FLEETD_LISTEN';

/** The base of fleetd's errors: a stable code, one line of message, the cause. */
export abstract class FleetdError extends FleetError {
  abstract override readonly code: FleetdErrorCode;
}

/**
 * A configuration problem: one line that names the option and what is wrong with it. fleetd
 * exits with EX_CONFIG, which fleet.service does not restart on.
 */
export class ConfigError extends FleetdError {
  readonly code = 'FLEETD_CONFIG_INVALID';
}

/** `/etc/machine-id` (or `machine_id_file`) is missing, empty or not an ID. */
export class MachineIdError extends FleetdError {
  readonly code = 'FLEETD_NO_MACHINE_ID';
}

/** etcd's CA, certificate or key file could not be read. */
export class EtcdTlsError extends FleetdError {
  readonly code = 'FLEETD_ETCD_TLS';
}

/** The system (or user) bus did not answer: systemd restarts fleetd, and it tries again. */
export class NoDbusError extends FleetdError {
  readonly code = 'FLEETD_NO_DBUS';
  override readonly retryable = true;
}

/** A listener of the API could not be opened (address in use, TLS files unreadable, …). */
export class ListenError extends FleetdError {
  readonly code = 'FLEETD_LISTEN';
}
