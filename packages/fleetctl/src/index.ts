// @fleet/fleetctl: fleet's command-line client. `run` is the whole CLI as a function (main.ts is
// the program); the pieces below are exported for tests and tools.
export { run } from './cli/run.js';
export type { CliIo, RunIo, RunOptions } from './cli/io.js';
export { CliError, UsageError } from './cli/errors.js';
export { tabwrite, tabwriteRows } from './output/tabwriter.js';
export {
  checkKnownHosts,
  hostMatches,
  hostToken,
  knownHostsLine,
  type HostKeyStatus,
} from './ssh/known-hosts.js';
export { VERSION } from './version.js';
