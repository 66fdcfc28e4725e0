// The bundled fleetctl program (scripts/bundle.mjs: dist/fleetctl.cjs, run by
// bin/fleetctl). A version request is answered from this small file, written straight to fd 1:
// no streams, no parser, no command is loaded. Anything else loads the rest of fleetctl, bundled
// on its own (fleetctl-cli.cjs), and runs it.
import { writeSync } from 'node:fs';
import { quickAnswer } from './cli/quick.js';

const line = quickAnswer(process.argv.slice(2));
if (line === undefined) {
  void import('./cli/process.js').then((m) => m.runProcess());
} else {
  try {
    writeSync(1, `${line}\n`);
  } catch (err) {
    // A non-blocking stdout (some pipes) takes the stream's way; a reader gone exits as main.ts.
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') process.stdout.write(`${line}\n`);
    else process.exit(141);
  }
}
