// --debug: every API call fleetctl makes, with its duration and outcome, on stderr.
import type { FleetClient } from '@fleet/client';
import { oneLine } from '@fleet/runtime';

/** Wraps `client` so that each method call is logged. */
export function debugClient(client: FleetClient, log: (msg: string) => void): FleetClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'close') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        const started = Date.now();
        const call = `${String(prop)}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
        try {
          const result = await fn.apply(target, args);
          log(`API ${call}: ok in ${Date.now() - started} ms`);
          return result;
        } catch (err) {
          log(`API ${call}: ${oneLine(err)}`);
          throw err;
        }
      };
    },
  });
}
