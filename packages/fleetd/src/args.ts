import { ConfigError, isOption, OPTIONS } from './config.js';

/** What the command line asks for. */
export type Invocation =
  | {
      readonly kind: 'run';
      readonly configPath: string | undefined;
      readonly flags: Record<string, string>;
    }
  | { readonly kind: 'version' }
  | { readonly kind: 'help' };

/**
 * fleetd's command line: `-config PATH` / `--config=PATH`, `-version` / `version`, `--help`, and
 * any option as `--name=value` or `--name value` (`_` or `-` in the name). Anything else is an
 * error with fleet's hint.
 */
export function parseArgs(argv: readonly string[]): Invocation {
  const flags: Record<string, string> = {};
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === 'version' || arg === '-version' || arg === '--version' || arg === '-v')
      return { kind: 'version' };
    if (arg === '-h' || arg === '-help' || arg === '--help' || arg === 'help')
      return { kind: 'help' };
    if (!arg.startsWith('-')) {
      throw new ConfigError(
        `unexpected argument ${JSON.stringify(arg)}. Did you mean to invoke fleetctl instead?`,
      );
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = (eq < 0 ? body : body.slice(0, eq)).replace(/-/g, '_');
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      const known = name === 'config' || isOption(name);
      if (!known) throw new ConfigError(`unknown flag ${arg}`);
      const spec = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
      const boolean = spec !== undefined && ['false', 'true'].includes(spec.deflt);
      if (boolean && (next === undefined || next.startsWith('-'))) value = 'true';
      else if (next === undefined) throw new ConfigError(`flag ${arg} needs a value`);
      else {
        value = next;
        i++;
      }
    }
    if (name === 'config') configPath = value;
    else flags[name] = value;
  }
  return { kind: 'run', configPath, flags };
}

export const USAGE = `Usage: fleetd [-config PATH] [--OPTION=VALUE ...]
       fleetd version

fleetd runs fleet on this machine: its agent drives the local systemd, its engine schedules units
while elected, and it serves the fleet API (default unix:///run/fleet.sock).

Configuration comes from /etc/fleet/fleet.conf (or -config PATH), then FLEET_<OPTION> environment
variables, then --OPTION=VALUE flags. Options: ${Object.keys(OPTIONS).join(', ')}.
`;
