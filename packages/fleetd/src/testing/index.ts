// Test helpers for fleetd's own tests and the e2e suite (`@fleet/fleetd/testing`); not used by
// fleetd itself.
export { BlackholeProxy } from './blackhole-proxy.js';
