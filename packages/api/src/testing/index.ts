// @fleet/api/testing: what tests of this package and of others reuse. `inject` (a request to a
// handler without a socket) and a fixture: an in-memory registry with an API over it and ways to
// put units, assignments, machines and states in it. Never re-exported from the main entry.
export { inject } from './inject.js';
export type { InjectRequest, InjectResponse } from './inject.js';
export { Fixture, GLOBAL_OPTIONS, serviceOptions, snapshot } from './fixture.js';
export { TestPki } from './pki.js';
export type { Issued } from './pki.js';
