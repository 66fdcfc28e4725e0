import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

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
