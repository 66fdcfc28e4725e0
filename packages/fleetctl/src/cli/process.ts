// fleetctl as this process: run() with the process's streams, then exit with its code. The
// compiled program (main.ts) and the bundled one (bin.ts) both end here.
import type { RunIo } from './io.js';
import { run } from './run.js';

/**
 * The process's streams, each made when first used: node builds a stream (and loads its kind of
 * stream) on first access, about a millisecond each, and most commands never read stdin nor
 * write to stderr.
 */
export function processIo(): RunIo {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    env: process.env,
  };
}

/** Runs fleetctl on `process.argv` and exits. */
export function runProcess(): void {
  // A reader that goes away (`fleetctl list-units | head -1`) ends us as SIGPIPE would, quietly.
  process.stdout.on('error', () => process.exit(141));
  void run(process.argv.slice(2), processIo()).then((code) => {
    // Let buffered output drain, then exit even if a connection is still closing.
    process.stdout.write('', () => process.exit(code));
  });
}
