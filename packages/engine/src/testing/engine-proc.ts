// A child process for the engine's integration tests: a real process that can be SIGKILLed or
// SIGSTOPped. Usage: engine-proc.ts <mode> <candidateId> <endpoints,...> <prefix>
//   mode "engine": runs an Engine; prints "LEADER <token>" when it leads.
//   mode "hold":   campaigns once, prints "TOKEN <token>", then on each stdin line tries one
//                  fenced write with that token and prints "WRITE ok" or "WRITE <error code>".
import { createInterface } from 'node:readline';
import { isRegistryError } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { Engine } from '../engine.js';

const [mode, candidateId = '', endpoints = '', prefix = ''] = process.argv.slice(2);
const registry = new EtcdRegistry({ endpoints: endpoints.split(','), prefix });

if (mode === 'engine') {
  const engine = new Engine({ registry, candidateId, reconcileIntervalMs: 400 });
  engine.start();
  let said = false;
  setInterval(() => {
    if (engine.isLeader() && !said) {
      said = true;
      console.log('LEADER');
    }
  }, 20);
} else if (mode === 'hold') {
  const l = await registry.campaign(candidateId, 2);
  if (l === undefined) {
    console.log('NOT-LEADER');
    process.exit(1);
  }
  console.log(`TOKEN ${l.token}`);
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    try {
      await registry.applyAssignments(l.token, [
        {
          kind: 'schedule',
          machineId: 'paused-leader',
          unit: line.trim(),
          hash: '0'.repeat(40),
          desiredState: 'launched',
        },
      ]);
      console.log('WRITE ok');
    } catch (err) {
      console.log(`WRITE ${isRegistryError(err) ? err.code : String(err)}`);
    }
  }
}
