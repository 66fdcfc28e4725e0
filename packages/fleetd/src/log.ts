import { fstatSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * Renders pino's JSON lines for a person at a terminal: `HH:MM:SS.mmm LEVEL [component] message
 * key=value ...`. Under systemd (no terminal) fleetd writes JSON, which journald keeps as is.
 */
export function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          const {
            level,
            time,
            msg,
            component,
            err,
            pid: _p,
            hostname: _h,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const t = new Date(Number(time)).toISOString().slice(11, 23);
          const name =
            typeof level === 'string'
              ? level.toUpperCase()
              : (LEVELS[Number(level)] ?? String(level));
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          const e = err as { message?: string } | undefined;
          const c = typeof component === 'string' ? `[${component}] ` : '';
          out.write(
            `${t} ${name.padEnd(5)} ${c}${String(msg ?? '')}${fields ? ' ' + fields : ''}${e?.message ? ` err=${JSON.stringify(e.message)}` : ''}\n`,
          );
        } catch {
          out.write(line + '\n');
        }
      }
      done();
    },
  });
}

/** syslog priorities of pino's levels: debug 7, info 6, warning 4, err 3, crit 2. */
const PRIORITY: Readonly<Record<string, number>> = {
  trace: 7,
  debug: 7,
  info: 6,
  warn: 4,
  error: 3,
  fatal: 2,
};

/**
 * Whether stdout is journald's stream: systemd sets JOURNAL_STREAM to its `device:inode`
 * (systemd.exec(5)), which a redirected stdout no longer matches.
 */
export function underJournald(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const m = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (m === null) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/**
 * Prefixes each JSON line with its syslog priority (`<4>{"level":"warn",...}`), which journald
 * takes off and keeps as the entry's priority (SyslogLevelPrefix=, on by default): then
 * `journalctl -p warning -u fleet` shows fleetd's warnings and errors.
 */
export function withPriority(dest: DestinationStream | NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      const level = /^\{"level":"([a-z]+)"/.exec(line)?.[1];
      dest.write(`<${PRIORITY[level ?? 'info'] ?? 6}>${line}`);
    },
  };
}

/**
 * fleetd's logger: JSON on stdout (readable lines on a terminal), levels as names
 * (`"level":"info"`); `verbosity > 0` = debug. An error field (`err`) carries its type, code and
 * message, and its stack only while debug is on (SIGHUP can switch it), so an operator's journal
 * never shows a stack at verbosity 0. Under journald each line starts with its syslog priority.
 * `dest` is where the lines go when stdout is not a terminal (a test passes its own stream).
 */
export function createLogger(
  verbosity: number,
  stdout: NodeJS.WriteStream = process.stdout,
  dest?: NodeJS.WritableStream,
  journald: boolean = underJournald(),
): PinoLogger {
  const level = verbosity > 0 ? 'debug' : 'info';
  const holder: { log?: PinoLogger } = {};
  const opts = {
    level,
    base: { svc: 'fleetd' },
    timestamp: pino.stdTimeFunctions.epochTime,
    formatters: { level: (label: string) => ({ level: label }) },
    serializers: {
      err: (err: unknown) => serializeError(err, holder.log?.isLevelEnabled('debug') ?? false),
    },
  };
  if (stdout.isTTY) holder.log = pino(opts, prettyStream(stdout));
  else {
    const out = dest ?? pino.destination({ dest: 1, sync: true });
    holder.log = pino(opts, journald ? withPriority(out) : out);
  }
  return holder.log;
}

/** An error as a log field: type, code, message and cause; the stack only when asked for. */
export function serializeError(
  err: unknown,
  withStack: boolean,
  depth = 0,
): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  const e = err as Error & { code?: unknown; retryable?: unknown };
  if (e.code !== undefined) out.code = e.code;
  if (e.retryable !== undefined) out.retryable = e.retryable;
  if (withStack) out.stack = err.stack;
  if (err.cause !== undefined && depth < 3)
    out.cause = serializeError(err.cause, withStack, depth + 1);
  return out;
}
