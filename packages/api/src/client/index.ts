// @fleet/api/client: the typed client alone. It imports node built-ins and zod only, so a CLI
// that talks to fleetd does not load the server side (registry, etcd3, gRPC) at startup.
export { FleetClient } from './client.js';
export type { FleetClientOptions, UnitSpec } from './client.js';
export { DEFAULT_ENDPOINT, parseEndpoint } from './endpoint.js';
export type { Endpoint } from './endpoint.js';
export {
  ApiError,
  BadResponseError,
  ConnectionError,
  EndpointError,
  FleetClientError,
  TimeoutError,
} from './errors.js';
export type { FleetClientErrorCode } from './errors.js';
export type { CreateConnection, TlsFiles } from './transport.js';
export type {
  MachineMetadataOp,
  MachinePage,
  UnitPage,
  UnitPutBody,
  UnitStatePage,
  WireMachine,
  WireUnit,
  WireUnitOption,
  WireUnitState,
} from '../wire.js';
