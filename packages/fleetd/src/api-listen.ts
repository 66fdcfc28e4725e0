// How fleetd's configuration becomes the API's listeners: TLS material read from disk (again on
// SIGHUP, so a renewed certificate or CRL applies without a restart), the read-only socket's
// group, and the plain-listener policy.
import { readFile } from 'node:fs/promises';
import type { ListenOptions, TlsOptions } from '@fleet/api';
import type { Clock, Logger } from '@fleet/runtime';
import { listenHost } from './config-api.js';
import type { FleetdConfig } from './config.js';
import { ConfigError } from './errors.js';

/** The API's TLS from the configured files; undefined without `tls_cert_file`. */
export async function apiTls(config: FleetdConfig): Promise<TlsOptions | undefined> {
  if (config.tlsCertFile === '') return undefined;
  return {
    cert: await readFile(config.tlsCertFile),
    key: await readFile(config.tlsKeyFile),
    ca: await readFile(config.tlsCaFile),
    ...(config.tlsCrlFile !== '' ? { crl: await readFile(config.tlsCrlFile) } : {}),
    roles: { admin: config.tlsAdminSubjects, read: config.tlsReadSubjects },
  };
}

/**
 * The gid of a group given by number or name (from `groupFile`, /etc/group's format).
 * @throws ConfigError when no group has that name
 */
export async function resolveGroup(group: string, groupFile = '/etc/group'): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new ConfigError(
    `invalid value for listen_unix_read_group: no group named ${JSON.stringify(group)} in ${groupFile}`,
  );
}

/** The API's listeners as the configuration asks (the unix socket's path is the caller's). */
export async function apiListenOptions(
  config: FleetdConfig,
  logger: Logger,
  clock: Clock,
): Promise<ListenOptions> {
  const tls = await apiTls(config);
  const tcp = config.listenTcp.map((hp) => ({
    host: listenHost(hp),
    port: Number(hp.slice(hp.lastIndexOf(':') + 1)),
    ...(tls ? { tls } : {}),
  }));
  const readSocket =
    config.listenUnixRead === ''
      ? undefined
      : {
          path: config.listenUnixRead,
          ...(config.listenUnixReadGroup !== ''
            ? { gid: await resolveGroup(config.listenUnixReadGroup) }
            : {}),
        };
  return {
    tcp,
    ...(tls ? { activatedTls: tls } : {}),
    ...(readSocket ? { readSocket } : {}),
    insecure: config.insecureListenTcp,
    allowedHosts: config.apiAllowedHosts,
    limits: {
      maxConnections: config.apiMaxConnections,
      maxInFlight: config.apiMaxInFlight,
      headersTimeoutMs: config.apiHeadersTimeout * 1000,
      requestTimeoutMs: config.apiRequestTimeout * 1000,
      keepAliveTimeoutMs: config.apiKeepAliveTimeout * 1000,
      handshakeTimeoutMs: config.apiTlsHandshakeTimeout * 1000,
    },
    logger,
    clock,
  };
}
