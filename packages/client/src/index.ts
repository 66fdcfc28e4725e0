// @fleet/client: fleet's HTTP API v1 client and the wire types. It imports node built-ins and
// @fleet/runtime only, so a CLI or a test that talks to fleetd loads no server code, no registry,
// no etcd, and no validation library.
export { FleetClient } from './fleet-client.js';
export { FleetV1Client } from './client.js';
export type { FleetClientOptions, UnitSpec } from './client.js';
export { planSchema } from './deploys.js';
export type { Plan, PlanChange, PlanRequest } from './deploys.js';
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
export type { EventPage, EventsOptions, WireEvent } from './events.js';
export type {
  MachineMetadataOp,
  MachinePage,
  UnitPage,
  UnitPutBody,
  UnitStatePage,
  WireDesiredState,
  WireMachine,
  WireUnit,
  WireUnitHealth,
  WireUnitOption,
  WireUnitState,
} from './wire.js';
export type {
  WireCopyPhase,
  WireRollout,
  WireRolloutCopy,
  WireRolloutPolicy,
  WireRolloutRecords,
  WireRolloutState,
  WireRolloutUndo,
} from './rollout-wire.js';
export type {
  WireMaintenance,
  WireMaintenanceEnter,
  WireMaintenanceExit,
  WireMaintenanceHolder,
} from './maintenance.js';
export { machineStateWord } from './machine-admin.js';
export type { MachineStateWord, WireAdminMachine, WireMachineAdmin } from './machine-admin.js';
