// Durations on the command line, as Go's time.ParseDuration writes them (`10m`, `1m30s`, `500ms`,
// `1.5h`), or a bare number of seconds.
import { UsageError } from './errors.js';

const UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a duration flag.
 * @throws UsageError naming the flag and the accepted forms
 */
export function parseDuration(flag: string, text: string): number {
  const bad = () =>
    new UsageError(
      `--${flag} must be a duration such as 90s, 10m or 1h30m, got ${JSON.stringify(text)}`,
    );
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(text)) throw bad();
  let ms = 0;
  for (const [, n = '', unit = ''] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    ms += Number(n) * (UNITS_MS[unit] ?? 0);
  }
  if (!Number.isFinite(ms)) throw bad();
  return ms;
}
