// What must hold of anything the API accepts or refuses, independent of fleet's own code: what
// systemd and the filesystem take as a unit name, what a unit file reads back as, and what an
// error answer looks like.
import type { InjectResponse } from '@fleet/api/testing';
import { oneLine } from '@fleet/runtime';
import { parseUnitFile, serializeUnitOptions, type UnitOption } from '@fleet/unit';

/** systemd's UNIT_NAME_MAX is 256 including the terminating NUL. */
const SYSTEMD_NAME_MAX = 255;
/** The longest file name (bytes) on Linux file systems (NAME_MAX). */
const FILE_NAME_MAX = 255;

/**
 * Why systemd (`unit_name_is_valid`) or the units directory cannot take a unit name the API
 * accepted, or `undefined` if they can. Only the rules fleet's own check does not already make.
 */
export function systemdNameProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > SYSTEMD_NAME_MAX) return `systemd takes names of at most 255 bytes (${bytes})`;
  if (name.lastIndexOf('.') === 0) return 'systemd refuses a name with nothing before the type';
  // The units directory's temporary file has a name of its own (`.fleet-<8 hex>.tmp`), so the
  // file name is the unit name.
  if (bytes > FILE_NAME_MAX) return `a file name takes at most ${FILE_NAME_MAX} bytes (${bytes})`;
  return undefined;
}

/** The prefixes systemd allows before an `ExecStart=` executable (`-`, `@`, `:`, `+`, `!`). */
const EXEC_PREFIX = /^[-@:+!]+/;

/**
 * Whether systemd refuses to load this unit (load state `bad-setting`), by the two rules of
 * systemd 252 the generators reach: a service with neither `ExecStart=` nor `ExecStop=` ("Service
 * has no ExecStart=, ExecStop=, or SuccessAction=. Refusing."), and an executable given as a
 * relative path with a `/` in it ("Neither a valid executable name nor an absolute path").
 */
export function systemdRefuses(name: string, options: readonly UnitOption[]): boolean {
  if (!name.endsWith('.service')) return false;
  const values = (key: string) =>
    options.filter((o) => o.section === 'Service' && o.name === key).map((o) => o.value.trim());
  const exec = values('ExecStart').filter((v) => v !== '');
  const last = exec[exec.length - 1];
  if (last === undefined) return values('ExecStop').length === 0;
  const executable = (last.split(/\s+/)[0] ?? '').replace(EXEC_PREFIX, '');
  return executable.includes('/') && !executable.startsWith('/');
}

/**
 * The most start attempts an agent may make on a unit systemd refuses within `ms` of clock time:
 * retries back off from 5 s, doubling, so they grow with the logarithm of the time, not with it.
 */
export function maxRefusedStarts(ms: number): number {
  return 1 + Math.ceil(Math.log2(ms / 5_000 + 1));
}

/** systemd strips this whitespace around a value, so a value padded with it means the same. */
const stripSystemdSpace = (v: string) => v.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
const sameValue = (a: string | undefined, b: string | undefined) =>
  a === b || (a !== undefined && b !== undefined && stripSystemdSpace(a) === stripSystemdSpace(b));

/**
 * Why the unit file written for `options` would not read back as `options` (what systemd reads
 * would differ from what the API shows), or `undefined` if it does.
 */
export function roundTripProblem(options: readonly UnitOption[]): string | undefined {
  if (options.length === 0) return undefined;
  let back: UnitOption[];
  try {
    back = parseUnitFile(serializeUnitOptions(options));
  } catch (err) {
    return `its unit file does not parse: ${oneLine(err)}`;
  }
  // A unit file groups options by section, sections in order of first appearance.
  const order = new Map<string, number>();
  for (const o of options) if (!order.has(o.section)) order.set(o.section, order.size);
  const grouped = options
    .map((o, i) => ({ o, i }))
    .sort((a, b) => (order.get(a.o.section) ?? 0) - (order.get(b.o.section) ?? 0) || a.i - b.i)
    .map(({ o }) => o);
  const show = (o: UnitOption | undefined) =>
    o === undefined ? 'nothing' : JSON.stringify([o.section, o.name, o.value]);
  for (let i = 0; i < Math.max(back.length, grouped.length); i++) {
    const a = grouped[i];
    const b = back[i];
    if (a?.section !== b?.section || a?.name !== b?.name || !sameValue(a?.value, b?.value)) {
      return `option ${i} is ${show(a)} but its unit file reads back ${show(b)}`;
    }
  }
  return undefined;
}

/** Why a 4xx answer is not fleet's error JSON with one line naming the problem. */
export function errorAnswerProblem(res: InjectResponse): string | undefined {
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return `the body is not JSON: ${JSON.stringify(res.body.slice(0, 200))}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (error?.code !== res.status) return `error.code is ${String(error?.code)}, not ${res.status}`;
  const message = error.message;
  if (typeof message !== 'string' || message.trim() === '') return 'the error message is empty';
  if (/[\r\n]/.test(message)) return `the error message has more than one line: ${message}`;
  if (/ {4}at /.test(res.body)) return 'the answer shows a stack';
  return undefined;
}
