// The one timeline of a chaos run: the host's CLOCK_MONOTONIC in milliseconds. The nspawn
// machines share the host kernel, so a unit inside one can stamp its own heartbeats with
// /proc/uptime (CLOCK_BOOTTIME, which moves with CLOCK_MONOTONIC on a host that never suspends);
// `fromUptime` maps such a stamp onto the timeline with an offset measured once.
import { readFileSync } from 'node:fs';

/** CLOCK_MONOTONIC of the host, in milliseconds. */
export const mono = (): number => Number(process.hrtime.bigint()) / 1e6;

function uptimeMs(): number {
  const first = readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0';
  return Number(first) * 1000;
}

/**
 * boottime − monotonic, measured as the smallest difference over a few reads bracketed by the
 * monotonic clock (/proc/uptime has a 10 ms resolution).
 */
function measureOffset(): number {
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const before = mono();
    const up = uptimeMs();
    const after = mono();
    // up was read between before and after, and truncated to 10 ms: it is at most `after`'s.
    best = Math.min(best, up + 10 - (before + after) / 2);
  }
  return best - 5;
}

let offset: number | undefined;

/** A /proc/uptime reading (seconds) from inside a machine, on the host's monotonic timeline. */
export function fromUptime(seconds: number): number {
  offset ??= measureOffset();
  return seconds * 1000 - offset;
}
