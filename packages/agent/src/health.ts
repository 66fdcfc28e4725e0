import { readFile, statfs } from 'node:fs/promises';
import { freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
import type { JsonValue } from '@fleet/registry';

/** Where health facts come from (real ones by default; tests pass their own). */
export interface HealthSources {
  /** systemd's overall state (`running`, `degraded`, ...), if known. */
  systemState?: () => Promise<string>;
  /** The path whose filesystem is reported as `disk` (default `/`). */
  diskPath?: string;
  version: string;
  /** When the agent started, in clock ms, for `agentUptimeSeconds`. */
  startedAt: number;
  now: () => number;
}

/**
 * The machine's health as fleetctl list-machines shows it: load average, memory, disk of `/`,
 * systemd's state, the fleetd version, the hostname and uptimes. A fact that cannot be read is left out.
 */
export async function collectHealth(src: HealthSources): Promise<Record<string, JsonValue>> {
  const h: Record<string, JsonValue> = {};
  const [l1, l5, l15] = loadavg();
  h.load = [round(l1), round(l5), round(l15)];
  h.memory = { totalBytes: totalmem(), availableBytes: await availableMemory() };
  try {
    const fs = await statfs(src.diskPath ?? '/');
    h.disk = { totalBytes: fs.blocks * fs.bsize, availableBytes: fs.bavail * fs.bsize };
  } catch {
    // not reported
  }
  if (src.systemState !== undefined) {
    try {
      h.systemState = await src.systemState();
    } catch {
      h.systemState = 'unknown';
    }
  }
  h.version = src.version;
  // For `fleetctl ssh HOSTNAME`.
  h.hostname = hostname();
  h.uptimeSeconds = Math.round(uptime());
  h.agentUptimeSeconds = Math.round((src.now() - src.startedAt) / 1000);
  return h;
}

async function availableMemory(): Promise<number> {
  // MemAvailable counts reclaimable cache, which is what "free" means to operators.
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(text);
  return m?.[1] !== undefined ? Number(m[1]) * 1024 : freemem();
}

const round = (x: number | undefined) => Math.round((x ?? 0) * 100) / 100;
