import { createHash } from 'node:crypto';
import type { SimMachine } from './protocol.js';

/** The i-th simulated machine: a stable 32-hex-digit ID, a loopback (127.x) address, some metadata. */
export function simMachine(i: number, seed = 'sim'): SimMachine {
  const id = createHash('md5').update(`${seed}-machine-${i}`).digest('hex');
  const n = i + 1; // 127.0.0.1 upwards
  return {
    id,
    publicIP: `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    metadata: { role: i % 2 === 0 ? 'web' : 'worker', rack: `r${i % 10}` },
  };
}

/** A simulated unit: distinct contents per unit (the worst case for content storage). */
export function simUnitOptions(i: number) {
  return [
    { section: 'Unit', name: 'Description', value: `simulated unit ${i}` },
    { section: 'Service', name: 'ExecStart', value: `/usr/bin/sleep ${100_000 + i}` },
    { section: 'Service', name: 'Restart', value: 'always' },
  ];
}

export function simUnitName(i: number): string {
  return `sim-${String(i).padStart(5, '0')}.service`;
}
