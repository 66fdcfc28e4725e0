import { readFile, stat } from 'node:fs/promises';

/** fleetd's configuration, with fleet's option names (`fleet.conf`, `FLEET_*`, flags). */
export interface FleetdConfig {
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
  /** `host:port` TCP listeners of the API. */
  listenTcp: string[];
  tlsCertFile: string;
  tlsKeyFile: string;
  /** With a TCP listener and a certificate: clients must present a certificate signed by this CA. */
  tlsCaFile: string;
  /** On SIGTERM, stop and unload every unit and leave the cluster (fleet's behaviour). */
  drainOnShutdown: boolean;
  machineIdFile: string;
}

/** A configuration problem: names the option and what is wrong with it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Parser = (raw: string, name: string) => unknown;

interface OptionSpec {
  readonly key: keyof FleetdConfig;
  readonly parse: Parser;
  readonly deflt: string;
}

const str: Parser = (raw) => raw.trim();
const list: Parser = (raw) =>
  raw
    .replace(/[[\]"\s]/g, '')
    .split(',')
    .filter((x) => x !== '');
const bool: Parser = (raw, name) => {
  const v = raw.trim().toLowerCase();
  if (['1', 't', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'f', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError(
    `invalid value for ${name}: ${JSON.stringify(raw)} (expected true or false)`,
  );
};
const int =
  (min: number, max: number): Parser =>
  (raw, name) => {
    const n = Number(raw.trim());
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(
        `invalid value for ${name}: ${JSON.stringify(raw)} (expected a whole number from ${min} to ${max})`,
      );
    }
    return n;
  };
const seconds: Parser = (raw, name) => {
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(
      `invalid value for ${name}: ${JSON.stringify(raw)} (expected a number of seconds above 0)`,
    );
  }
  return n;
};
/** A Go duration such as `30s`, `1m30s`, `500ms`; a bare number means seconds. */
const duration: Parser = (raw, name) => {
  const v = raw.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return seconds(v, name);
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let pos = 0;
  while (pos < v.length) {
    re.lastIndex = pos;
    const m = re.exec(v);
    if (m === null) break;
    total += Number(m[1]) * (unit[m[2] ?? 's'] ?? 1);
    pos = re.lastIndex;
  }
  if (v === '' || pos !== v.length || total <= 0) {
    throw new ConfigError(
      `invalid value for ${name}: ${JSON.stringify(raw)} (expected a duration such as 30s or 1m)`,
    );
  }
  return total;
};
const metadata: Parser = (raw, name) => {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const i = item.indexOf('=');
    const key = i < 0 ? '' : item.slice(0, i).trim();
    const value =
      i < 0
        ? ''
        : item
            .slice(i + 1)
            .trim()
            .replace(/^(["'])(.*)\1$/, '$2');
    if (key === '' || !/^[A-Za-z0-9_.-]+$/.test(key)) {
      throw new ConfigError(
        `invalid value for ${name}: ${JSON.stringify(item)} (expected key=value pairs separated by commas)`,
      );
    }
    out[key] = value;
  }
  return out;
};

/** Every option: its fleet name, how it parses, its default. */
export const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  verbosity: { key: 'verbosity', parse: int(0, 10), deflt: '0' },
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
  etcd_key_prefix: { key: 'etcdKeyPrefix', parse: str, deflt: '/_coreos.com/fleet/' },
  etcd_request_timeout: { key: 'etcdRequestTimeout', parse: seconds, deflt: '2.0' },
  engine_reconcile_interval: { key: 'engineReconcileInterval', parse: seconds, deflt: '2.0' },
  public_ip: { key: 'publicIp', parse: str, deflt: '' },
  metadata: { key: 'metadata', parse: metadata, deflt: '' },
  agent_ttl: { key: 'agentTtl', parse: duration, deflt: '30s' },
  units_directory: { key: 'unitsDirectory', parse: str, deflt: '/run/fleet/units/' },
  systemd_user: { key: 'systemdUser', parse: bool, deflt: 'false' },
  token_limit: { key: 'tokenLimit', parse: int(1, 65535), deflt: '100' },
  disable_engine: { key: 'disableEngine', parse: bool, deflt: 'false' },
  disable_watches: { key: 'disableWatches', parse: bool, deflt: 'false' },
  listen_unix: { key: 'listenUnix', parse: str, deflt: '/var/run/fleet.sock' },
  listen_tcp: { key: 'listenTcp', parse: list, deflt: '' },
  tls_cert_file: { key: 'tlsCertFile', parse: str, deflt: '' },
  tls_key_file: { key: 'tlsKeyFile', parse: str, deflt: '' },
  tls_ca_file: { key: 'tlsCaFile', parse: str, deflt: '' },
  drain_on_shutdown: { key: 'drainOnShutdown', parse: bool, deflt: 'true' },
  machine_id_file: { key: 'machineIdFile', parse: str, deflt: '/etc/machine-id' },
};

/** Options fleet had that mean nothing here: accepted, and a warning says so. */
export const IGNORED_OPTIONS: Readonly<Record<string, string>> = {
  enable_grpc: 'fleetd talks to etcd v3 directly; there is no gRPC mode',
  verify_units: 'signed units were removed from fleet (deprecated)',
  authorized_keys_file: 'signed units were removed from fleet (deprecated)',
};

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
  const raw = new Map<string, string>();
  const warnings: string[] = [];
  for (const [name, spec] of Object.entries(OPTIONS)) raw.set(name, spec.deflt);
  const take = (name: string, value: string, where: string) => {
    if (name in IGNORED_OPTIONS) {
      warnings.push(`option ${name} (${where}) is ignored: ${IGNORED_OPTIONS[name] ?? ''}`);
      return;
    }
    if (!(name in OPTIONS)) throw new ConfigError(`unknown option ${name} in ${where}`);
    raw.set(name, value);
  };
  if (src.file !== undefined) {
    for (const [name, value, line] of parseConfFile(src.file.text, src.file.path)) {
      take(name, value, `${src.file.path}:${line}`);
    }
  }
  for (const [k, v] of Object.entries(src.env ?? {})) {
    if (!k.startsWith('FLEET_') || v === undefined) continue;
    const name = k.slice('FLEET_'.length).toLowerCase();
    if (name in OPTIONS || name in IGNORED_OPTIONS) take(name, v, `environment variable ${k}`);
  }
  for (const [k, v] of Object.entries(src.flags ?? {}))
    take(k.replace(/-/g, '_'), v, `flag --${k}`);
  const config = {} as Record<keyof FleetdConfig, unknown>;
  for (const [name, spec] of Object.entries(OPTIONS))
    config[spec.key] = spec.parse(raw.get(name) ?? spec.deflt, name);
  const c = config as unknown as FleetdConfig;
  if (c.etcdServers.length === 0)
    throw new ConfigError('invalid value for etcd_servers: no server given');
  for (const url of c.etcdServers) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) {
      throw new ConfigError(
        `invalid value for etcd_servers: ${JSON.stringify(url)} (expected http://host:port)`,
      );
    }
  }
  for (const hp of c.listenTcp) {
    if (!/^[^:\s]*:\d{1,5}$/.test(hp) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(hp)) {
      throw new ConfigError(
        `invalid value for listen_tcp: ${JSON.stringify(hp)} (expected host:port)`,
      );
    }
  }
  if ((c.tlsCertFile === '') !== (c.tlsKeyFile === '')) {
    throw new ConfigError('tls_cert_file and tls_key_file must be given together');
  }
  if (c.tlsCertFile !== '' && c.tlsCaFile === '') {
    throw new ConfigError(
      'tls_ca_file is required with tls_cert_file: TCP clients must present a certificate',
    );
  }
  if (c.agentTtl < 2)
    throw new ConfigError(`invalid value for agent_ttl: ${c.agentTtl}s (at least 2s)`);
  return { config: c, warnings };
}

/** `key=value` lines of a fleet.conf; `#`/`;` comments; optional quotes around values. */
export function parseConfFile(text: string, path: string): [string, string, number][] {
  const out: [string, string, number][] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new ConfigError(`${path}:${i + 1}: expected option=value, got ${JSON.stringify(line)}`);
    const name = line.slice(0, eq).trim();
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
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
    throw new ConfigError(`cannot read config file ${p}: ${(err as Error).message}`);
  }
}
