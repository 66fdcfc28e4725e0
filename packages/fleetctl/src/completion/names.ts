// Unit and machine names for completion, asked of the API with a short timeout: each listing at
// most once per run, and nothing (no error) when the API cannot be reached in time, or only
// through an SSH tunnel that would have to ask about a host key.
import type { FleetClient } from '@fleet/client';
import { Context } from '../cli/context.js';
import { globalDefaults, globalOptions } from '../cli/globals.js';
import type { RunIo } from '../cli/io.js';

/** How long completion waits for the API (request and SSH set-up each, and in all). */
export const COMPLETION_TIMEOUT_MS = 1000;

/** The names, and the cleanup of the connection. */
export interface ApiNames {
  units(): Promise<string[]>;
  /** Machine IDs and their IP addresses. */
  machines(): Promise<string[]>;
  close(): Promise<void>;
}

function within<T>(p: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), COMPLETION_TIMEOUT_MS);
  });
  return Promise.race([p.catch(() => fallback), late]).finally(() => clearTimeout(timer));
}

/** Names from the API reached with the environment's and the command line's global flags. */
export function apiNames(io: RunIo, given: Readonly<Record<string, string>>): ApiNames {
  let ctx: Context | undefined;
  const api = (): Promise<FleetClient> => {
    const g = globalOptions({ ...globalDefaults(io.env), ...given });
    ctx ??= new Context(
      { ...io, openTerminal: () => undefined },
      {
        ...g,
        debug: false,
        requestTimeoutMs: Math.min(g.requestTimeoutMs, COMPLETION_TIMEOUT_MS),
        sshTimeoutMs: Math.min(g.sshTimeoutMs, COMPLETION_TIMEOUT_MS),
      },
    );
    return ctx.api();
  };
  let units: Promise<string[]> | undefined;
  let machines: Promise<string[]> | undefined;
  return {
    units() {
      units ??= within((async () => (await (await api()).listUnits()).map((u) => u.name))(), []);
      return units;
    },
    machines() {
      machines ??= within(
        (async () =>
          (await (await api()).listMachines()).flatMap((m) =>
            m.primaryIP === undefined ? [m.id] : [m.id, m.primaryIP],
          ))(),
        [],
      );
      return machines;
    },
    async close() {
      await ctx?.close();
    },
  };
}
