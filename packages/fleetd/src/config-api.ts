// The API's listener options: TCP listeners and their TLS (client certificates, roles by
// subject, a CRL), the explicit opt-in to a plain listener other machines can reach, the host
// names plain listeners answer to, and the read-only unix socket. And the checks that refuse an
// open root API.
import { isLoopbackHost, parseSubjects, type Subject } from '@fleet/api';
import { oneLine } from '@fleet/runtime';
import {
  absolutePath,
  bool,
  int,
  list,
  seconds,
  show,
  str,
  unquote,
  type Parser,
} from './config-values.js';
import { ConfigError } from './errors.js';

/** The API options of fleetd's configuration. */
export interface ApiConfig {
  /** `host:port` TCP listeners of the API. */
  listenTcp: string[];
  tlsCertFile: string;
  tlsKeyFile: string;
  /** With a TCP listener and a certificate: clients must present a certificate signed by this CA. */
  tlsCaFile: string;
  /** Ours: revoked client certificates (PEM CRL of the CA), re-read on SIGHUP. */
  tlsCrlFile: string;
  /** Ours: certificates with one of these subjects are admin. */
  tlsAdminSubjects: Subject[];
  /** Ours: certificates with one of these subjects may only read. */
  tlsReadSubjects: Subject[];
  /** Ours: serve plain HTTP on addresses other than loopback (an unauthenticated root API). */
  insecureListenTcp: boolean;
  /** Ours: host names plain listeners answer to besides loopback, localhost and IP addresses. */
  apiAllowedHosts: string[];
  /** Ours: a read-only unix socket (`''`: none). */
  listenUnixRead: string;
  /** Ours: the group (name or number) of the read-only socket, whose members may read. */
  listenUnixReadGroup: string;
  /** Ours: open connections per listener (beyond it, the oldest idle or slow one is closed). */
  apiMaxConnections: number;
  /** Ours: requests answered at once; more get 503 with Retry-After. */
  apiMaxInFlight: number;
  /** Ours, seconds: a request's headers must arrive within this. */
  apiHeadersTimeout: number;
  /** Ours, seconds: a whole request (body included) must arrive within this. */
  apiRequestTimeout: number;
  /** Ours, seconds: an idle keep-alive connection is closed after this. */
  apiKeepAliveTimeout: number;
  /** Ours, seconds: a TLS handshake must finish within this. */
  apiTlsHandshakeTimeout: number;
  /** Ours: `host:port` of a listener serving only GET /metrics, without auth (`''`: none). */
  metricsListen: string;
}

const subjects: Parser = (raw, name) => {
  try {
    return parseSubjects(unquote(raw));
  } catch (err) {
    throw new ConfigError(`invalid value for ${name}: ${oneLine(err)}`, { cause: err });
  }
};

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*\.?$/;

const hostNames: Parser = (raw, name, warn) => {
  const names = list(raw, name, warn) as string[];
  for (const n of names)
    if (n.length > 253 || !HOST_NAME.test(n))
      throw new ConfigError(`invalid value for ${name}: ${show(n)} (expected host names)`);
  return names;
};

/**
 * fleet's list form for `host:port` entries: `a:1,b:2` or `["a:1","b:2"]`; the brackets of an
 * IPv6 address (`[::1]:49153`) are kept.
 */
const hostPorts: Parser = (raw) => {
  const v = unquote(raw);
  const inner = /^\[[^]*\]$/.test(v) ? v.slice(1, -1) : v;
  return inner
    .split(',')
    .map((x) => x.replace(/["'\s]/g, ''))
    .filter((x) => x !== '');
};

const group: Parser = (raw, name) => {
  const v = unquote(raw);
  if (v !== '' && !/^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$|^\d{1,10}$/.test(v))
    throw new ConfigError(`invalid value for ${name}: ${show(raw)} (expected a group name or id)`);
  return v;
};

/** The API's options: fleet's names (listen_tcp, tls_*), and ours. */
export const API_OPTIONS = {
  listen_tcp: { key: 'listenTcp', parse: hostPorts, deflt: '' },
  tls_cert_file: { key: 'tlsCertFile', parse: str, deflt: '' },
  tls_key_file: { key: 'tlsKeyFile', parse: str, deflt: '' },
  tls_ca_file: { key: 'tlsCaFile', parse: str, deflt: '' },
  tls_crl_file: { key: 'tlsCrlFile', parse: str, deflt: '' },
  tls_admin_subjects: { key: 'tlsAdminSubjects', parse: subjects, deflt: '' },
  tls_read_subjects: { key: 'tlsReadSubjects', parse: subjects, deflt: '' },
  insecure_listen_tcp: { key: 'insecureListenTcp', parse: bool, deflt: 'false' },
  api_allowed_hosts: { key: 'apiAllowedHosts', parse: hostNames, deflt: '' },
  listen_unix_read: { key: 'listenUnixRead', parse: absolutePath(true), deflt: '' },
  listen_unix_read_group: { key: 'listenUnixReadGroup', parse: group, deflt: '' },
  // An operator API's limits (see @fleet/api's DEFAULT_LIMITS for why).
  api_max_connections: { key: 'apiMaxConnections', parse: int(1, 65_535), deflt: '512' },
  api_max_in_flight: { key: 'apiMaxInFlight', parse: int(1, 65_535), deflt: '128' },
  api_headers_timeout: { key: 'apiHeadersTimeout', parse: seconds(1, 3600), deflt: '10s' },
  api_request_timeout: { key: 'apiRequestTimeout', parse: seconds(1, 3600), deflt: '30s' },
  api_keep_alive_timeout: { key: 'apiKeepAliveTimeout', parse: seconds(1, 3600), deflt: '5s' },
  api_tls_handshake_timeout: {
    key: 'apiTlsHandshakeTimeout',
    parse: seconds(1, 3600),
    deflt: '10s',
  },
  metrics_listen: { key: 'metricsListen', parse: str, deflt: '' },
} as const satisfies Record<string, { key: keyof ApiConfig; parse: Parser; deflt: string }>;

/** The host of a `listen_tcp` entry (`:49153` and `0.0.0.0:49153`: every interface). */
export function listenHost(hp: string): string {
  return hp.slice(0, hp.lastIndexOf(':')).replace(/^\[|\]$/g, '') || '0.0.0.0';
}

/** Checks one `host:port` of option `name`. */
function checkHostPort(name: string, hp: string): void {
  const m = /^(?:[^:\s[\]]*|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(hp);
  if (m === null)
    throw new ConfigError(`invalid value for ${name}: ${show(hp)} (expected host:port)`);
  if (Number(m[1]) > 65535)
    throw new ConfigError(
      `invalid value for ${name}: ${show(hp)} (the port must be from 0 to 65535)`,
    );
}

/** Checks across the API's options. Throws ConfigError with one line naming what to set. */
export function checkApiConfig(c: ApiConfig): void {
  for (const hp of c.listenTcp) checkHostPort('listen_tcp', hp);
  if (c.metricsListen !== '') checkHostPort('metrics_listen', c.metricsListen);
  if (c.apiHeadersTimeout > c.apiRequestTimeout)
    throw new ConfigError(
      'api_headers_timeout must not be longer than api_request_timeout (the whole request)',
    );
  if ((c.tlsCertFile === '') !== (c.tlsKeyFile === ''))
    throw new ConfigError('tls_cert_file and tls_key_file must be given together');
  if (c.tlsCertFile !== '' && c.tlsCaFile === '')
    throw new ConfigError(
      'tls_ca_file is required with tls_cert_file: TCP clients must present a certificate',
    );
  const tlsOnly = {
    tls_crl_file: c.tlsCrlFile !== '',
    tls_admin_subjects: c.tlsAdminSubjects.length > 0,
    tls_read_subjects: c.tlsReadSubjects.length > 0,
  };
  for (const [name, set] of Object.entries(tlsOnly))
    if (set && c.tlsCertFile === '')
      throw new ConfigError(`${name} needs TLS: set tls_cert_file, tls_key_file and tls_ca_file`);
  if (c.listenUnixReadGroup !== '' && c.listenUnixRead === '')
    throw new ConfigError('listen_unix_read_group needs listen_unix_read (the read-only socket)');
  if (c.tlsCertFile !== '' || c.insecureListenTcp) return;
  const open = c.listenTcp.find((hp) => !isLoopbackHost(listenHost(hp)));
  if (open !== undefined)
    throw new ConfigError(
      `listen_tcp=${/^[\w.:[\]-]*$/.test(open) ? open : show(open)} would serve the API without authentication beyond loopback: set tls_cert_file, tls_key_file and tls_ca_file (clients then need certificates), or insecure_listen_tcp=true`,
    );
}
