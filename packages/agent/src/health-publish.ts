// When a fresh health record is worth a machine-record put. Every put wakes the leading engine
// (it watches machines) and costs etcd a write: with a thousand machines refreshing every minute
// that alone was 16.7 puts/s at idle. Gauges (load, memory, disk, uptimes) drift all the time, so
// a record that differs only in them is published at most every `maxAgeMs`; a change of anything
// else (systemd's state, the version, a field we do not know) is published at the next refresh.
import type { JsonValue } from '@fleet/registry';

/** Health fields that drift on their own; alone they do not make a record worth a put. */
export const GAUGE_FIELDS: readonly string[] = [
  'load',
  'memory',
  'disk',
  'uptimeSeconds',
  'agentUptimeSeconds',
];

/** The health last written, and when (monotonic ms). */
export interface PublishedHealth {
  readonly health: Readonly<Record<string, JsonValue>>;
  readonly at: number;
}

/** The non-gauge fields of a health record, in key order, as one string. */
function steady(health: Readonly<Record<string, JsonValue>>): string {
  const keys = Object.keys(health)
    .filter((k) => !GAUGE_FIELDS.includes(k))
    .sort();
  return JSON.stringify(keys.map((k) => [k, health[k]]));
}

/** Whether `next` should be written now, given what was last written (if anything). */
export function healthWorthPublishing(
  last: PublishedHealth | undefined,
  next: Readonly<Record<string, JsonValue>>,
  now: number,
  maxAgeMs: number,
): boolean {
  if (last === undefined) return true;
  if (now - last.at >= maxAgeMs) return true;
  return steady(last.health) !== steady(next);
}
