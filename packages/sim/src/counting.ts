// Counts the registry calls of the simulated fleetds, by method, so that a benchmark can say which
// part of fleet makes which etcd requests (a watch opened by an agent, a follower's campaign...).
// A watch's `close` is counted too, as `<method>.close`: an open and a close are each one message
// on etcd's Watch stream.
import type { Logger } from '@fleet/runtime';

/** Registry calls made so far, by method name. */
export type CallCounts = Map<string, number>;

interface Closable {
  close(): Promise<void>;
}

function isClosable(x: unknown): x is Closable {
  return typeof x === 'object' && x !== null && typeof (x as Closable).close === 'function';
}

/**
 * `target` with each method call counted in `counts` (the registry's own calls to itself are not:
 * methods run with `this` the unwrapped target).
 */
export function countCalls<T extends object>(target: T, counts: CallCounts): T {
  const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v: unknown = Reflect.get(t, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || prop === 'close') return v;
      const fn = v as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        bump(prop);
        const out = fn.apply(t, args);
        if (!prop.startsWith('watch') || !isClosable(out)) return out;
        let closed = false;
        return {
          close: () => {
            if (!closed) bump(`${prop}.close`);
            closed = true;
            return out.close();
          },
        };
      };
    },
  });
}

/** `a + b` per method. */
export function addCounts(a: CallCounts, b: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(b)) a.set(k, (a.get(k) ?? 0) + n);
}

/**
 * A logger that keeps nothing but a count of its warnings and errors, by message (and the
 * error's class and code when one is attached): what went wrong in a thousand fleetds, in a line.
 */
export function countingLogger(counts: CallCounts): Logger {
  const note = (level: string) => (obj: object, msg?: string) => {
    const err = (obj as { err?: unknown }).err;
    const cls =
      err instanceof Error
        ? ` (${err.constructor.name}${'code' in err ? ` ${String(err.code)}` : ''})`
        : '';
    // Machine IDs in a message would make one key per machine: one key per kind of message.
    const k = `${level} ${(msg ?? '?').replace(/\b[0-9a-f]{32}\b/g, '<id>')}${cls}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: note('warn'),
    error: note('error'),
    child: () => logger,
  };
  return logger;
}
