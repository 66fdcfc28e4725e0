// @fleet/systemd: the Systemd port, its D-Bus implementation and its in-memory fake.
// The contract suite and test helpers are in '@fleet/systemd/testing'.
export type {
  ActiveState,
  EnableResult,
  LoadState,
  Systemd,
  SystemdUnitStatus,
  UnitChangeListener,
  UnitFileChange,
  UnitFileInfo,
  UnitStatusChange,
} from './systemd.js';
export {
  isSystemdError,
  SystemdAccessDeniedError,
  SystemdCallFailedError,
  SystemdClosedError,
  SystemdError,
  SystemdFileError,
  SystemdInvalidArgsError,
  SystemdLoadFailedError,
  SystemdNoSuchUnitError,
  SystemdTimeoutError,
  SystemdUnavailableError,
} from './errors.js';
export type { SystemdErrorCode, SystemdErrorDetail } from './errors.js';
export { DbusSystemd } from './dbus-systemd.js';
export type { DbusSystemdOptions } from './dbus-systemd.js';
export { resolveBusAddress, SYSTEM_BUS_ADDRESS } from './dbus/address.js';
export type { BusKind } from './dbus/address.js';
export { FakeSystemd } from './fake/fake-systemd.js';
export type { FakeCall, FakeSystemdOptions } from './fake/fake-systemd.js';
export type { FakeLatency } from './fake/fake-runtime.js';
export { DEFAULT_UNITS_DIR } from './unit-directory.js';
export { isRecognizedUnitName } from './names.js';
