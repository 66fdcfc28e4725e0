// @fleet/fleetctl/testing: fleetctl's test scaffolding. A real API over an InMemoryRegistry on a
// unix socket with fleetctl run in-process against it (Harness), a tiny engine and agents that
// place units and publish states (FakeCluster), a real sshd (Sshd, SshFixture), stream stand-ins,
// and the bundled program built for a test. Imported by tests only, never by fleetctl itself
// (@fleet/api and @fleet/registry are devDependencies for this reason).
export { buildTestBundle, COMPILED_MAIN, PACKAGE_DIR, requireCompiled } from './bundle.js';
export type { TestBundle } from './bundle.js';
export { FakeCluster } from './fake-cluster.js';
export type { FakeClusterOptions } from './fake-cluster.js';
export { Harness, M1, M2 } from './harness.js';
export type { FleetctlOptions, RunResult } from './harness.js';
export { HOST, SshFixture, UNIT } from './ssh-fixture.js';
export { makeKey, Sshd, sshKeygen } from './sshd.js';
export { Capture, FakeTerminal, input } from './streams.js';
