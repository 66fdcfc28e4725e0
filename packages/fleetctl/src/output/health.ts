// Machine health as list-machines shows it, from the free-form health record agents publish
// (`load` [1, 5, 15 min], `memory`/`disk` {totalBytes, availableBytes}, `systemState`,
// `version`, `uptimeSeconds`). Anything missing or malformed shows as `-` (JSON null).
import { value, type Row } from './fields.js';

/** Health fields list-machines knows, in help order. */
export const HEALTH_FIELDS = ['load', 'memory', 'disk', 'systemd', 'version', 'uptime'] as const;

type Json = unknown;

const isRecord = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bytes as `1.5G`, `512M`, `20K` (powers of 1024, as `free -h`). */
export function humanBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = v >= 10 || i === 0 ? Math.round(v).toString() : v.toFixed(1);
  return `${text}${units[i] ?? ''}`;
}

/** Seconds as `3d4h`, `5h12m`, `42m`, `9s`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function capacity(v: Json): Row[string] {
  if (!isRecord(v)) return value(undefined);
  const total = v.totalBytes;
  const avail = v.availableBytes;
  if (typeof total !== 'number' || typeof avail !== 'number') return value(undefined);
  return value(`${humanBytes(total - avail)}/${humanBytes(total)}`, v);
}

/** The health cells of one machine (`version` falls back to the record's own version). */
export function healthCells(health: Json, version: Json): Record<string, Row[string]> {
  const h = isRecord(health) ? health : {};
  const load = h.load;
  const loadOk = Array.isArray(load) && load.length > 0 && load.every((x) => typeof x === 'number');
  const systemd = h.systemState;
  const ver = typeof h.version === 'string' ? h.version : version;
  const up = h.uptimeSeconds;
  return {
    load: loadOk ? value(load.map((x: number) => x.toFixed(2)).join(' '), load) : value(undefined),
    memory: capacity(h.memory),
    disk: capacity(h.disk),
    systemd: typeof systemd === 'string' ? value(systemd) : value(undefined),
    version: typeof ver === 'string' ? value(ver) : value(undefined),
    uptime: typeof up === 'number' ? value(humanDuration(up), up) : value(undefined),
  };
}
