// @fleet/api: fleet's HTTP API v1 — a handler built without listening, the servers that listen
// (unix socket, TCP, TLS, systemd socket activation). The client and the wire types are
// @fleet/client's. May import only @fleet/client, @fleet/registry, @fleet/runtime and
// @fleet/unit (and node built-ins, prom-client, zod).
export { createApi } from './api.js';
export type { ApiHandler, ApiOptions } from './api.js';
export { currentStateOf } from './current-state.js';
export { DISCOVERY_DOCUMENT } from './discovery-document.js';
export { errorBody, HttpError, UNAVAILABLE_MESSAGE } from './errors.js';
export type { ApiErrorCode, ErrorBody } from './errors.js';
export { DEFAULT_BODY_LIMIT_BYTES } from './http/body.js';
export { DEFAULT_LISTING_MAX_AGE_MS } from './listing-cache.js';
export {
  DEFAULT_TOKEN_LIMIT,
  decodePageToken,
  encodePageToken,
  paginate,
  requestedPage,
} from './pagination.js';
export type { Page, PageToken } from './pagination.js';
export { API_PREFIXES } from './router.js';
export {
  FleetServer,
  DEFAULT_SOCKET_PATH,
  INSECURE_WARNING_INTERVAL_MS,
  InsecureListenerError,
} from './server/fleet-server.js';
export type {
  ListenOptions,
  ListenerAddress,
  ReadSocketOptions,
  TcpListenOptions,
  TlsOptions,
} from './server/fleet-server.js';
export { isLoopbackHost } from './server/listener.js';
export { BUSY_MESSAGE, DEFAULT_LIMITS } from './server/limits.js';
export type { ApiLimits } from './server/limits.js';
export { parseSubjects, rolesConfigured, showSubject, SUBJECT_KINDS } from './server/roles.js';
export type { Role, RoleSubjects, Subject, SubjectKind } from './server/roles.js';
export { activationFds, LISTEN_FDS_START } from './server/activation.js';
export type { ActivationOptions } from './server/activation.js';
export { removeStaleSocket } from './server/unix-socket.js';
export { exitMaintenance } from './routes/maintenance.js';
export type { MachineAdminPort, MaintenanceStore } from './routes/maintenance.js';
