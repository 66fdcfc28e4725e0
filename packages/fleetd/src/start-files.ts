// What fleetd reads from disk to start, and where it keeps its own files: etcd's TLS credentials,
// the units directory through its symlinks, the session files' paths (the API's: api-listen.ts).
import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { FleetdConfig } from './config.js';
import { ConfigError } from './errors.js';
import { unitsDirectoryMessage, unitsDirectoryProblem } from './units-directory.js';

/**
 * The units directory through its symlinks must not be one of systemd's either (the config
 * checked the path as written). A directory that does not exist yet is created by fleetd.
 */
export async function checkRealUnitsDirectory(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => undefined);
  const problem = real === undefined ? undefined : unitsDirectoryProblem(real);
  if (real !== undefined && problem !== undefined)
    throw new ConfigError(unitsDirectoryMessage(`${dir} -> ${real}`, problem));
}

/** etcd TLS and authentication as etcd3 takes them. */
export async function etcdCredentials(config: FleetdConfig) {
  const out: {
    credentials?: { rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer };
    auth?: { username: string; password: string };
  } = {};
  if (config.etcdCafile !== '' || config.etcdCertfile !== '') {
    out.credentials = {
      // A client certificate without etcd_cafile: etcd's certificate is checked against the
      // system's trusted CAs (an etcd with a public certificate).
      rootCertificate:
        config.etcdCafile !== ''
          ? await readFile(config.etcdCafile)
          : Buffer.from(rootCertificates.join('\n')),
      ...(config.etcdKeyfile !== '' ? { privateKey: await readFile(config.etcdKeyfile) } : {}),
      ...(config.etcdCertfile !== '' ? { certChain: await readFile(config.etcdCertfile) } : {}),
    };
  }
  if (config.etcdUsername !== '')
    out.auth = { username: config.etcdUsername, password: config.etcdPassword };
  return out;
}

/**
 * Where the agent records its machine session, so that the fleetd restarted after a crash takes
 * the machine over in place: `fleetd-session.json` beside the units directory.
 */
export function sessionFilePath(unitsDirectory: string): string {
  return join(dirname(unitsDirectory.replace(/\/+$/, '')), 'fleetd-session.json');
}

/**
 * Where the agent records the units it launched, so that the fleetd restarted after a crash still
 * stops one of them once it is set to loaded: `fleetd-launched.json` beside the session file.
 */
export function launchedFilePath(unitsDirectory: string): string {
  return join(dirname(unitsDirectory.replace(/\/+$/, '')), 'fleetd-launched.json');
}
