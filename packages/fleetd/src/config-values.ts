// How each kind of option value is read, in the forms fleet's documentation and sample
// configuration show, and the bounds that keep a value from starting a daemon that cannot work.
import { isIP } from 'node:net';
import { normalizeKeyPrefix } from '@fleet/registry';
import { oneLine } from '@fleet/runtime';
import { ConfigError } from './errors.js';

/** Reads one raw value; `warn` records a one-line warning (e.g. a value that was rounded). */
export type Parser = (raw: string, name: string, warn: (msg: string) => void) => unknown;

/** A raw value for a message: quoted, escaped onto one line, cut to a readable length. */
export function show(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}...` : raw).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function invalid(name: string, raw: string, expected: string): ConfigError {
  return new ConfigError(`invalid value for ${name}: ${show(raw)} (${expected})`);
}

/** One pair of surrounding quotes removed: `"30s"` and `'30s'` are `30s`, as fleet's INI reader. */
export function unquote(raw: string): string {
  const v = raw.trim();
  return /^(["'])[^]*\1$/.test(v) && v.length >= 2 ? v.slice(1, -1) : v;
}

export const str: Parser = (raw) => unquote(raw);

/** fleet's list form: `a,b`, `["a","b"]` and `[ "a", "b" ]` (brackets, quotes and spaces dropped). */
export const list: Parser = (raw) =>
  raw
    .replace(/[[\]"'\s]/g, '')
    .split(',')
    .filter((x) => x !== '');

export const bool: Parser = (raw, name) => {
  const v = unquote(raw).toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'f', 'false', 'no', 'off', ''].includes(v)) return false;
  throw invalid(name, raw, 'expected true or false');
};

export const int =
  (min: number, max: number): Parser =>
  (raw, name) => {
    const v = unquote(raw);
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw invalid(name, raw, `expected a whole number from ${min} to ${max}`);
    return n + 0; // -0 is 0
  };

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/**
 * Seconds from a Go duration (`30s`, `1m30s`, `1500ms`, `1.5h`) or a plain number of seconds
 * (`1.0`, `2`, as fleet's float options); undefined if it is neither.
 */
export function parseSeconds(raw: string): number | undefined {
  const v = unquote(raw);
  if (/^\+?(\d+\.?\d*|\.\d+)$/.test(v)) return Number(v);
  if (!/^\+?((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(v)) return undefined;
  let total = 0;
  for (const m of v.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? 's'] ?? 1);
  return Number.isFinite(total) ? total : undefined;
}

function fmt(seconds: number): string {
  return seconds >= 3600 && seconds % 3600 === 0 ? `${seconds / 3600}h` : `${seconds}s`;
}

/** Seconds (to the millisecond) within `[min, max]`, from a number or a Go duration. */
export const seconds =
  (min: number, max: number): Parser =>
  (raw, name) => {
    const s = parseSeconds(raw);
    if (s === undefined)
      throw invalid(
        name,
        raw,
        'expected a number of seconds such as 1.0, or a duration such as 2s',
      );
    const ms = Math.round(s * 1000) / 1000;
    if (ms < min || ms > max) throw invalid(name, raw, `expected from ${fmt(min)} to ${fmt(max)}`);
    return ms;
  };

/**
 * Whole seconds within `[min, max]` from a Go duration (fleet's `agent_ttl="30s"`) or a number:
 * etcd leases (like fleet's etcd v2 TTLs) are whole seconds, so `1500ms` and `2.5` are rounded,
 * with a warning.
 */
export const wholeSeconds =
  (min: number, max: number): Parser =>
  (raw, name, warn) => {
    const s = parseSeconds(raw);
    if (s === undefined) throw invalid(name, raw, 'expected a duration such as 30s or 1m');
    const whole = Math.round(s);
    if (whole < min || whole > max)
      throw invalid(name, raw, `expected from ${fmt(min)} to ${fmt(max)}`);
    if (whole !== s)
      warn(`${name} ${show(raw)} is rounded to ${whole}s (leases are whole seconds)`);
    return whole;
  };

const CONTROL = {
  test: (v: string) => [...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
};

/** `key=value,key2=value2`, spaces trimmed, optional quotes around the whole and each value. */
export const metadata: Parser = (raw, name) => {
  const out: Record<string, string> = {};
  for (const part of unquote(raw).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const i = item.indexOf('=');
    const key = i < 0 ? '' : item.slice(0, i).trim();
    const value = i < 0 ? '' : unquote(item.slice(i + 1));
    if (key === '' || !/^[A-Za-z0-9_.-]+$/.test(key))
      throw invalid(name, item, 'expected key=value pairs separated by commas');
    // The registry's records are plain objects: this key could never be stored.
    if (key === '__proto__') throw invalid(name, item, '__proto__ cannot be a metadata key');
    if (CONTROL.test(value)) throw invalid(name, item, 'control characters are not allowed');
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
};

/** A DNS host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123). */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * An IP address or a host name (fleet published whatever `public_ip` said, and fleetctl dials it
 * for ssh/status/journal), or empty (detect it from the default route). Anything else, such as
 * spaces, control characters or a second line, is refused.
 */
export const ipAddress: Parser = (raw, name) => {
  const v = unquote(raw);
  if (v !== '' && isIP(v) === 0 && !HOST_NAME.test(v))
    throw invalid(name, raw, 'expected an IP address or a host name');
  return v;
};

/** An absolute path, or empty when `emptyOk`. */
export const absolutePath =
  (emptyOk: boolean): Parser =>
  (raw, name) => {
    const v = unquote(raw);
    if (v === '' && emptyOk) return v;
    if (!v.startsWith('/') || CONTROL.test(v))
      throw invalid(
        name,
        raw,
        emptyOk ? 'expected an absolute path or nothing' : 'expected an absolute path',
      );
    return v;
  };

/** fleet's key prefix, normalised as fleet's path.Join read it: `/a/b` is `/a/b/`. */
export const keyPrefix: Parser = (raw, name) => {
  try {
    return normalizeKeyPrefix(unquote(raw));
  } catch (err) {
    throw new ConfigError(`invalid value for ${name}: ${oneLine(err)}`, { cause: err });
  }
};
