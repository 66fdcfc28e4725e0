// etcd as production runs it, for a test cluster: TLS with client certificates and etcd's auth on,
// fleetd in each machine logging in with etcd_username/etcd_password or as its certificate's CN
// (the README's "etcd access"). The machines get copies of the CA, the client certificate and key
// under /etc/fleet/etcd/ (their overlay is thrown away with them; etcd's originals live in the
// EtcdCluster's temporary directory, removed by its stop()).
import { readFile } from 'node:fs/promises';
import type { EtcdRegistryOptions } from '@fleet/registry/etcd';
import type { EtcdCluster } from '@fleet/testkit';
import { sh } from './fleet.js';
import type { NspawnMachine } from './machine.js';

/** How a machine's fleetd logs in to etcd: user and password, or its client certificate's CN. */
export type EtcdLogin = 'password' | 'cn';

/** Where a machine keeps its copies of the etcd TLS files. */
const DIR = '/etc/fleet/etcd';

function secured(etcd: EtcdCluster) {
  if (etcd.tls === undefined || etcd.auth === undefined)
    throw new Error('etcd was started without TLS and auth');
  return { tls: etcd.tls, auth: etcd.auth };
}

/** root's TLS and login, for the host-side registry the tests assert with. */
export async function rootAccess(
  etcd: EtcdCluster,
): Promise<Pick<EtcdRegistryOptions, 'credentials' | 'auth'>> {
  const { tls, auth } = secured(etcd);
  return {
    credentials: {
      rootCertificate: await readFile(tls.caFile),
      certChain: await readFile(tls.clientCertFile),
      privateKey: await readFile(tls.clientKeyFile),
    },
    auth: { username: 'root', password: auth.rootPassword },
  };
}

/** Copies the TLS files into the machine; returns the fleet.conf lines that use them. */
export async function installEtcdAccess(
  m: NspawnMachine,
  etcd: EtcdCluster,
  login: EtcdLogin,
): Promise<string[]> {
  const { tls, auth } = secured(etcd);
  // A password login gets a certificate with no CN: it names no etcd user, so only the password
  // can let fleetd in.
  const password = login === 'password';
  const files: [string, string, string][] = [
    ['ca.pem', tls.caFile, '644'],
    ['client.pem', password ? tls.gatewayCertFile : tls.clientCertFile, '644'],
    ['client.key', password ? tls.gatewayKeyFile : tls.clientKeyFile, '600'],
  ];
  const script = [`mkdir -p -m 700 ${DIR}`];
  for (const [name, from, mode] of files) {
    const text = (await readFile(from, 'utf8')).trim();
    script.push(`cat > ${DIR}/${name} <<'PEM'\n${text}\nPEM`, `chmod ${mode} ${DIR}/${name}`);
  }
  await sh(m, script.join('\n'));
  return [
    `etcd_cafile=${DIR}/ca.pem`,
    `etcd_certfile=${DIR}/client.pem`,
    `etcd_keyfile=${DIR}/client.key`,
    ...(password ? [`etcd_username=${auth.username}`, `etcd_password=${auth.password}`] : []),
  ];
}
