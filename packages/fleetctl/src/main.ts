#!/usr/bin/env node
// The fleetctl program, as compiled by tsc (`node dist/main.js`). bin/fleetctl runs the bundled
// program instead (bin.ts), which starts faster.
import { runProcess } from './cli/process.js';

runProcess();
