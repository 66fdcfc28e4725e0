// A unit's health check, from its `[X-Fleet]` section (docs/deploys.md, "Unit options"): a
// command (argv split as `ExecStart=` is, no shell) or an http(s) URL the agent runs on the unit's
// machine every interval while the unit is active.
import { UnitError } from './errors.js';
import { splitExecWords } from './exec-words.js';
import { goTrim } from './go-space.js';
import type { UnitOption } from './option.js';
import { X_FLEET_SECTION } from './sections.js';

/** Seconds between checks when `HealthCheckIntervalSec=` is not given. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_SEC = 5;
/** Seconds a check may take when `HealthCheckTimeoutSec=` is not given. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_SEC = 3;
/** Most seconds `HealthCheckIntervalSec=` and `HealthCheckTimeoutSec=` take (one day). */
export const MAX_HEALTH_CHECK_SEC = 86_400;

/** What the agent runs: a command (exit 0 passes) or a GET of a URL (2xx/3xx passes). */
export type HealthProbe =
  | { readonly kind: 'command'; readonly argv: readonly string[] }
  | { readonly kind: 'url'; readonly url: string };

/** A unit's health check. */
export interface HealthCheck {
  readonly probe: HealthProbe;
  /** Seconds from the start of one check to the start of the next (>= 1). */
  readonly intervalSec: number;
  /** A check that takes longer fails (>= 1). */
  readonly timeoutSec: number;
}

/** ExecStart= prefixes systemd reads on the executable; a health check takes none. */
const PREFIXES = new Set(['-', '@', ':', '+', '!', '|']);

type Read = { readonly check: HealthCheck | undefined } | { readonly problem: string };

/** The last value of each health-check key (trimmed; an empty value resets the key). */
function lastValues(options: readonly UnitOption[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const o of options) {
    if (o.section !== X_FLEET_SECTION || !o.name.startsWith('HealthCheck')) continue;
    const v = goTrim(o.value);
    if (v === '') values.delete(o.name);
    else values.set(o.name, v);
  }
  return values;
}

function seconds(key: string, value: string | undefined, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = /^[0-9]{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_HEALTH_CHECK_SEC)) {
    return `${key}= must be a whole number of seconds from 1 to ${MAX_HEALTH_CHECK_SEC}, not ${JSON.stringify(value)}`;
  }
  return n;
}

function commandProbe(value: string): HealthProbe | string {
  const split = splitExecWords(value);
  const bad = (why: string) => `HealthCheckCommand=${JSON.stringify(value)}: ${why}`;
  if ('problem' in split) return bad(split.problem);
  const exe = split.words[0];
  if (exe === undefined || exe === '') return bad('no command');
  if (PREFIXES.has(exe[0] ?? '')) {
    return bad(`the executable takes no ExecStart= prefix ("${exe[0] ?? ''}")`);
  }
  if (!exe.startsWith('/') && exe.includes('/')) {
    return bad('the executable must be an absolute path or a plain name found in PATH');
  }
  return { kind: 'command', argv: split.words };
}

function urlProbe(value: string): HealthProbe | string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return `HealthCheckURL= must be an http:// or https:// URL, not ${JSON.stringify(value)}`;
  }
  return { kind: 'url', url: value };
}

function read(options: readonly UnitOption[]): Read {
  const values = lastValues(options);
  const command = values.get('HealthCheckCommand');
  const url = values.get('HealthCheckURL');
  if (command !== undefined && url !== undefined) {
    return { problem: 'HealthCheckCommand= and HealthCheckURL= cannot be used together' };
  }
  const intervalSec = seconds(
    'HealthCheckIntervalSec',
    values.get('HealthCheckIntervalSec'),
    DEFAULT_HEALTH_CHECK_INTERVAL_SEC,
  );
  if (typeof intervalSec === 'string') return { problem: intervalSec };
  const timeoutSec = seconds(
    'HealthCheckTimeoutSec',
    values.get('HealthCheckTimeoutSec'),
    DEFAULT_HEALTH_CHECK_TIMEOUT_SEC,
  );
  if (typeof timeoutSec === 'string') return { problem: timeoutSec };
  if (command === undefined && url === undefined) return { check: undefined };
  const probe = command !== undefined ? commandProbe(command) : urlProbe(url ?? '');
  if (typeof probe === 'string') return { problem: probe };
  return { check: { probe, intervalSec, timeoutSec } };
}

/**
 * Why the unit's `HealthCheck*` options are refused (one line), or `undefined` when they are fine
 * or absent. Checked at submit with the other `[X-Fleet]` values (see validateUnitOptions).
 */
export function healthCheckProblem(options: readonly UnitOption[]): string | undefined {
  const r = read(options);
  return 'problem' in r ? r.problem : undefined;
}

/**
 * The unit's health check: `undefined` when it has neither `HealthCheckCommand=` nor
 * `HealthCheckURL=`. For a single-valued key the last value wins and an empty one resets it, as
 * in systemd. `%` specifiers are not expanded.
 *
 * @throws {@link UnitError} `UNIT_OPTIONS_INVALID` with {@link healthCheckProblem}'s message
 */
export function healthCheckOf(options: readonly UnitOption[]): HealthCheck | undefined {
  const r = read(options);
  if ('problem' in r) throw new UnitError('UNIT_OPTIONS_INVALID', r.problem);
  return r.check;
}
