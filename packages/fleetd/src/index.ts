export { Fleetd, type FleetdParts } from './daemon.js';
export {
  buildConfig,
  parseConfFile,
  readConfFile,
  ConfigError,
  OPTIONS,
  type FleetdConfig,
  type ConfigSources,
} from './config.js';
export {
  EtcdTlsError,
  FleetdError,
  ListenError,
  MachineIdError,
  NoDbusError,
  type FleetdErrorCode,
} from './errors.js';
export { parseArgs, type Invocation } from './args.js';
export { createLogger } from './log.js';
export { VERSION } from './version.js';
