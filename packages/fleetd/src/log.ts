import { Writable } from 'node:stream';
import { pino, type Logger as PinoLogger } from 'pino';

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
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          const e = err as { message?: string } | undefined;
          const c = typeof component === 'string' ? `[${component}] ` : '';
          out.write(
            `${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${c}${String(msg ?? '')}${fields ? ' ' + fields : ''}${e?.message ? ` err=${JSON.stringify(e.message)}` : ''}\n`,
          );
        } catch {
          out.write(line + '\n');
        }
      }
      done();
    },
  });
}

/**
 * fleetd's logger: JSON on stdout (readable lines on a terminal); `verbosity > 0` = debug. An
 * error field (`err`) carries its type, code and message, and its stack only while debug is on
 * (SIGHUP can switch it), so an operator's journal never shows a stack at verbosity 0.
 * `dest` is where the lines go when stdout is not a terminal (a test passes its own stream).
 */
export function createLogger(
  verbosity: number,
  stdout: NodeJS.WriteStream = process.stdout,
  dest?: NodeJS.WritableStream,
): PinoLogger {
  const level = verbosity > 0 ? 'debug' : 'info';
  const holder: { log?: PinoLogger } = {};
  const opts = {
    level,
    base: { svc: 'fleetd' },
    timestamp: pino.stdTimeFunctions.epochTime,
    serializers: {
      err: (err: unknown) => serializeError(err, holder.log?.isLevelEnabled('debug') ?? false),
    },
  };
  holder.log = stdout.isTTY
    ? pino(opts, prettyStream(stdout))
    : pino(opts, dest ?? pino.destination({ dest: 1, sync: true }));
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
