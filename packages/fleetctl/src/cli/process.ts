// fleetctl as this process: run() with the process's streams, then exit with its code. The
// compiled program (main.ts) and the bundled one (bin.ts) both end here.
import { run } from './run.js';

/** Runs fleetctl on `process.argv` and exits. */
export function runProcess(): void {
  // A reader that goes away (`fleetctl list-units | head -1`) ends us as SIGPIPE would, quietly.
  process.stdout.on('error', () => process.exit(141));
  void run(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  }).then((code) => {
    // Let buffered output drain, then exit even if a connection is still closing.
    process.stdout.write('', () => process.exit(code));
  });
}
