import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_PREFIX } from '@fleet/registry';
import { oneLine } from '@fleet/runtime';
import {
  absolutePath,
  bool,
  int,
  ipAddress,
  keyPrefix,
  list,
  metadata,
  seconds,
  show,
  str,
  wholeSeconds,
  type Parser,
} from './config-values.js';
import { API_OPTIONS, checkApiConfig, type ApiConfig } from './config-api.js';
import { ConfigError } from './errors.js';
import { unitsDirectoryMessage, unitsDirectoryProblem } from './units-directory.js';

export { ConfigError } from './errors.js';

/**
 * The documented bounds of numeric options, `[min, max]` (seconds for durations): no 0 ms
 * timers, no timer beyond what Node can schedule (24.8 days), leases etcd grants.
 */
export const BOUNDS = {
  /** fleet's default 1.0 s; each etcd call's deadline. */
  etcdRequestTimeout: [0.1, 600],
  /** A leader's checks and a follower's pause between terms; the leader lease is 5x this. */
  engineReconcileInterval: [0.1, 3600],
  /** Machine presence lease, whole seconds. */
  agentTtl: [2, 86_400],
  tokenLimit: [1, 65_535],
  verbosity: [0, 10],
} as const satisfies Record<string, readonly [number, number]>;

/** fleetd's configuration, with fleet's option names (`fleet.conf`, `FLEET_*`, flags). */
/** Options a SIGHUP does not apply: they take effect when fleetd restarts. */
export const RESTART_OPTIONS = [
  'etcdServers',
  'etcdKeyPrefix',
  'agentTtl',
  'agentSelfFence',
  'unitsDirectory',
  'systemdUser',
  'disableEngine',
  'listenUnix',
  'listenTcp',
  'metricsListen',
  'listenUnixRead',
  'listenUnixReadGroup',
  'insecureListenTcp',
  'apiAllowedHosts',
  'tokenLimit',
] as const satisfies readonly (keyof FleetdConfig)[];

export interface FleetdConfig extends ApiConfig {
  verbosity: number;
  etcdServers: string[];
  etcdUsername: string;
  etcdPassword: string;
  etcdKeyfile: string;
  etcdCertfile: string;
  etcdCafile: string;
  etcdKeyPrefix: string;
  /** Seconds. */
  etcdRequestTimeout: number;
  /** Seconds. */
  engineReconcileInterval: number;
  publicIp: string;
  metadata: Record<string, string>;
  /** Seconds. */
  agentTtl: number;
  unitsDirectory: string;
  systemdUser: boolean;
  tokenLimit: number;
  disableEngine: boolean;
  disableWatches: boolean;
  /** Unix socket of the API; `''` for none (socket activation still applies). */
  listenUnix: string;
  /** On SIGTERM, stop and unload every unit and leave the cluster (fleet's behaviour). */
  drainOnShutdown: boolean;
  /**
   * Ours (fleet had no such option; cf. Nomad's `stop_on_client_after`): once the machine's
   * lease has gone nearly its TTL without an acknowledged renewal, stop its non-global units so
   * that the copies the engine starts elsewhere are the only ones running.
   */
  agentSelfFence: boolean;
  machineIdFile: string;
}

interface OptionSpec {
  readonly key: keyof FleetdConfig;
  readonly parse: Parser;
  readonly deflt: string;
}

/** Every option: its fleet name, how it parses (and its bounds), its default. */
export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  verbosity: { key: 'verbosity', parse: int(...BOUNDS.verbosity), deflt: '0' },
  etcd_servers: {
    key: 'etcdServers',
    parse: list,
    deflt: 'http://127.0.0.1:2379,http://127.0.0.1:4001',
  },
  etcd_username: { key: 'etcdUsername', parse: str, deflt: '' },
  etcd_password: { key: 'etcdPassword', parse: str, deflt: '' },
  etcd_keyfile: { key: 'etcdKeyfile', parse: str, deflt: '' },
  etcd_certfile: { key: 'etcdCertfile', parse: str, deflt: '' },
  etcd_cafile: { key: 'etcdCafile', parse: str, deflt: '' },
  etcd_key_prefix: { key: 'etcdKeyPrefix', parse: keyPrefix, deflt: DEFAULT_PREFIX },
  etcd_request_timeout: {
    key: 'etcdRequestTimeout',
    parse: seconds(...BOUNDS.etcdRequestTimeout),
    deflt: '2.0',
  },
  engine_reconcile_interval: {
    key: 'engineReconcileInterval',
    parse: seconds(...BOUNDS.engineReconcileInterval),
    // fleet's 2.0 made the leader lease 10 s: a killed leader left the cluster unscheduled that
    // long. 0.6 makes it 3 s (fleet's 5x kept); renewed every 500 ms, an etcd leader election
    // (1-2 s) does not depose it; see the package README.
    deflt: '0.6',
  },
  public_ip: { key: 'publicIp', parse: ipAddress, deflt: '' },
  metadata: { key: 'metadata', parse: metadata, deflt: '' },
  // fleet's 30s dates from heartbeats that were etcd v2 writes; a v3 lease keep-alive is cheap, and
  // a lost machine's units move about one TTL after its last heartbeat.
  agent_ttl: { key: 'agentTtl', parse: wholeSeconds(...BOUNDS.agentTtl), deflt: '5s' },
  units_directory: {
    key: 'unitsDirectory',
    parse: absolutePath(false),
    deflt: '/run/fleet/units/',
  },
  systemd_user: { key: 'systemdUser', parse: bool, deflt: 'false' },
  token_limit: { key: 'tokenLimit', parse: int(...BOUNDS.tokenLimit), deflt: '100' },
  disable_engine: { key: 'disableEngine', parse: bool, deflt: 'false' },
  disable_watches: { key: 'disableWatches', parse: bool, deflt: 'false' },
  listen_unix: { key: 'listenUnix', parse: absolutePath(true), deflt: '/run/fleet.sock' },
  ...API_OPTIONS,
  drain_on_shutdown: { key: 'drainOnShutdown', parse: bool, deflt: 'true' },
  agent_self_fence: { key: 'agentSelfFence', parse: bool, deflt: 'false' },
  machine_id_file: { key: 'machineIdFile', parse: absolutePath(false), deflt: '/etc/machine-id' },
};

interface IgnoredSpec {
  readonly parse: Parser;
  /** Whether the value asks for something fleetd does not do (then one warning says so). */
  readonly asksFor: (value: unknown) => boolean;
  readonly why: string;
}

/** Options fleet had that mean nothing here: accepted, and one warning says so when set. */
export const IGNORED_OPTIONS: Readonly<Record<string, IgnoredSpec>> = {
  enable_grpc: {
    parse: bool,
    asksFor: (v) => v === true,
    why: 'fleetd talks to etcd v3 directly; there is no gRPC mode',
  },
  verify_units: {
    parse: bool,
    asksFor: (v) => v === true,
    why: 'signed units were removed from fleet (deprecated)',
  },
  authorized_keys_file: {
    parse: str,
    asksFor: (v) => v !== '',
    why: 'signed units were removed from fleet (deprecated)',
  },
};

/** Whether `name` is an option fleetd knows (own names only: `constructor` is not one). */
export function isOption(name: string): boolean {
  return Object.hasOwn(OPTIONS, name) || Object.hasOwn(IGNORED_OPTIONS, name);
}

/** An option name for a message: as is when it looks like one, else quoted and escaped. */
function showName(name: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name) ? name : show(name);
}

/** Where each value came from, lowest precedence first. */
export interface ConfigSources {
  /** `fleet.conf` text (global section, `key=value` lines). */
  readonly file?: { readonly path: string; readonly text: string };
  /** The environment (`FLEET_<OPTION>`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line `--option=value` pairs (names with `_` or `-`). */
  readonly flags?: Readonly<Record<string, string>>;
}

/** Builds the configuration: defaults < file < environment < flags. Throws ConfigError. */
export function buildConfig(src: ConfigSources): { config: FleetdConfig; warnings: string[] } {
  const raw = new Map<string, { value: string; where: string }>();
  const warnings: string[] = [];
  const take = (name: string, value: string, where: string) => {
    if (!isOption(name)) throw new ConfigError(`unknown option ${showName(name)} in ${where}`);
    raw.set(name, { value, where });
  };
  if (src.file !== undefined) {
    for (const [name, value, line] of parseConfFile(src.file.text, src.file.path))
      take(name, value, `${src.file.path}:${line}`);
  }
  for (const [k, v] of Object.entries(src.env ?? {})) {
    if (!k.startsWith('FLEET_') || v === undefined) continue;
    const name = k.slice('FLEET_'.length).toLowerCase();
    // Other FLEET_* variables are not fleetd's (fleet ignored them too).
    if (isOption(name)) take(name, v, `environment variable ${k}`);
  }
  for (const [k, v] of Object.entries(src.flags ?? {}))
    take(k.replace(/-/g, '_'), v, `flag --${showName(k)}`);

  const config = {} as Record<keyof FleetdConfig, unknown>;
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const given = raw.get(name);
    const warn = (msg: string) => warnings.push(`${msg} (${given?.where ?? 'default'})`);
    config[spec.key] = spec.parse(given?.value ?? spec.deflt, name, warn);
  }
  for (const [name, spec] of Object.entries(IGNORED_OPTIONS)) {
    const given = raw.get(name);
    if (given === undefined) continue;
    const value = spec.parse(given.value, name, () => undefined);
    if (spec.asksFor(value))
      warnings.push(`option ${name} (${given.where}) is ignored: ${spec.why}`);
  }
  const c = config as unknown as FleetdConfig;
  checkConfig(c);
  if (c.disableWatches)
    warnings.push(
      `option disable_watches (${raw.get('disable_watches')?.where ?? ''}) is ignored: ` +
        "each agent watches only its own machine's assignments, which costs etcd little",
    );
  // etcd3 speaks TLS to every server when a TLS file is given or any server is https://.
  const tls = c.etcdCafile !== '' || c.etcdCertfile !== '';
  if (c.etcdPassword !== '' && !tls && c.etcdServers.every((u) => u.startsWith('http://')))
    warnings.push(
      `etcd_password is sent in clear text to ${c.etcdServers.join(', ')}: use https:// ` +
        'etcd_servers (with etcd_cafile), or a client certificate instead of a password',
    );
  return { config: c, warnings };
}

/** Checks that span options, or that need more than one value's parse. Throws ConfigError. */
function checkConfig(c: FleetdConfig): void {
  if (c.etcdServers.length === 0)
    throw new ConfigError('invalid value for etcd_servers: no server given');
  for (const url of c.etcdServers) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url))
      throw new ConfigError(
        `invalid value for etcd_servers: ${show(url)} (expected http://host:port)`,
      );
  }
  const problem = unitsDirectoryProblem(c.unitsDirectory);
  if (problem !== undefined)
    throw new ConfigError(unitsDirectoryMessage(c.unitsDirectory, problem));
  if ((c.etcdCertfile === '') !== (c.etcdKeyfile === ''))
    throw new ConfigError('etcd_certfile and etcd_keyfile must be given together');
  checkApiConfig(c);
}

/**
 * `key=value` lines of a fleet.conf; `#`/`;` comments. Values are raw: each option's parser
 * takes off fleet's optional quotes (`agent_ttl="30s"`).
 */
export function parseConfFile(text: string, path: string): [string, string, number][] {
  const out: [string, string, number][] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`${path}:${i + 1}: expected option=value, got ${show(line)}`);
    const name = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    out.push([name, value, i + 1]);
  });
  return out;
}

/**
 * Reads the config file: `path` if given (missing or a directory is an error), else
 * `/etc/fleet/fleet.conf` if it exists.
 */
export async function readConfFile(
  path: string | undefined,
): Promise<{ path: string; text: string } | undefined> {
  const p = path ?? '/etc/fleet/fleet.conf';
  try {
    const st = await stat(p);
    if (st.isDirectory()) throw new ConfigError(`config file ${p} is a directory`);
    return { path: p, text: await readFile(p, 'utf8') };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (path === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read config file ${p}: ${oneLine(err)}`, { cause: err });
  }
}
