#!/usr/bin/env node
// The fleetctl program: run() with this process's streams, then exit with its code.
import { run } from './cli/run.js';

// A reader that goes away (`fleetctl list-units | head -1`) ends us as SIGPIPE would, quietly.
process.stdout.on('error', () => process.exit(141));

const code = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Let buffered output drain, then exit even if a connection is still closing.
process.stdout.write('', () => process.exit(code));
