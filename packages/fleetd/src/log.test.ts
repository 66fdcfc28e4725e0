import { closeSync, fstatSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, underJournald } from './log.js';

const tmpFile = join(tmpdir(), `fleetd-log-test-${process.pid}`);

/** A logger writing JSON lines into memory (stdout is not a terminal, as under systemd). */
function capture(verbosity: number) {
  const out = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  out.on('data', (b: Buffer) => {
    for (const l of b.toString('utf8').split('\n'))
      if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const notTty = { isTTY: false } as NodeJS.WriteStream;
  return { log: createLogger(verbosity, notTty, out), lines };
}

function failure(): Error {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2379'), {
    code: 'ECONNREFUSED',
  });
  return Object.assign(new Error('etcd is unreachable', { cause }), {
    code: 'REGISTRY_UNAVAILABLE',
    retryable: true,
  });
}

describe('fleetd logs', () => {
  it('log an error without its stack at verbosity 0: type, code, message, cause', () => {
    const { log, lines } = capture(0);
    log.error({ err: failure() }, 'registry unreachable');
    expect(lines).toHaveLength(1);
    const err = lines[0]?.err as Record<string, unknown>;
    expect(err).toEqual({
      type: 'Error',
      message: 'etcd is unreachable',
      code: 'REGISTRY_UNAVAILABLE',
      retryable: true,
      cause: {
        type: 'Error',
        message: 'connect ECONNREFUSED 127.0.0.1:2379',
        code: 'ECONNREFUSED',
      },
    });
    expect(JSON.stringify(lines[0])).not.toContain('    at ');
  });

  it('log the stack at verbosity > 0, and follow a level change (SIGHUP)', () => {
    const { log, lines } = capture(1);
    log.error({ err: failure() }, 'registry unreachable');
    expect((lines[0]?.err as { stack?: string }).stack).toMatch(
      /^Error: etcd is unreachable\n\s+at /,
    );
    log.level = 'info';
    log.error({ err: failure() }, 'registry unreachable');
    expect(lines[1]?.err).not.toHaveProperty('stack');
  });
});

/** Raw lines as written (no parsing): under journald each starts with its priority. */
function raw(verbosity: number, journald: boolean) {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (b: Buffer) => lines.push(...b.toString('utf8').split('\n').filter(Boolean)));
  const notTty = { isTTY: false } as NodeJS.WriteStream;
  return { log: createLogger(verbosity, notTty, out, journald), lines };
}

describe('fleetd log levels', () => {
  it('are names: "level":"info", "warn", "error"', () => {
    const { log, lines } = capture(0);
    log.info({}, 'a');
    log.warn({}, 'b');
    log.error({}, 'c');
    log.debug({}, 'not at verbosity 0');
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn', 'error']);
  });

  it('under journald, prefix each line with its syslog priority', () => {
    const { log, lines } = raw(1, true);
    log.debug({}, 'd');
    log.info({}, 'i');
    log.warn({ err: failure() }, 'w');
    log.error({}, 'e');
    log.fatal({}, 'f');
    expect(lines.map((l) => /^<(\d)>\{"level":"(\w+)"/.exec(l)?.slice(1).join(' '))).toEqual([
      '7 debug',
      '6 info',
      '4 warn',
      '3 error',
      '2 fatal',
    ]);
    for (const l of lines) expect(JSON.parse(l.slice(3))).toHaveProperty('svc', 'fleetd');
  });

  it('elsewhere, write bare JSON lines', () => {
    const { log, lines } = raw(0, false);
    log.warn({}, 'w');
    expect(lines[0]).toMatch(/^\{"level":"warn",/);
  });

  it('an error given alone still loses its stack at verbosity 0', () => {
    const { log, lines } = capture(0);
    log.error(failure(), 'registry unreachable');
    expect(lines[0]?.err).toMatchObject({ message: 'etcd is unreachable' });
    expect(JSON.stringify(lines[0])).not.toContain('    at ');
  });
});

describe('underJournald', () => {
  it("is true only when JOURNAL_STREAM names stdout's device and inode", () => {
    const fd = openSync(tmpFile, 'w');
    try {
      const st = fstatSync(fd);
      expect(underJournald({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toBe(true);
      expect(underJournald({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toBe(false);
      expect(underJournald({ JOURNAL_STREAM: 'junk' }, fd)).toBe(false);
      expect(underJournald({}, fd)).toBe(false);
    } finally {
      closeSync(fd);
      rmSync(tmpFile, { force: true });
    }
  });
});
