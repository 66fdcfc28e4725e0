#!/usr/bin/env node
// fleetd's entry point: everything is in runFleetd (lifecycle.ts) and Fleetd (daemon.ts).
import { oneLine } from '@fleet/runtime';
import { runFleetd } from './lifecycle.js';

process.title = 'fleetd';

runFleetd({ argv: process.argv.slice(2), env: process.env }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fleetd: ${oneLine(err)}\n`);
    process.exit(1);
  },
);
