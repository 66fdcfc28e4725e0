import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files for etcd with TLS on loopback: a CA, etcd's certificate for 127.0.0.1, a client's. */
export interface EtcdTlsFiles {
  /** The CA that signed both certificates (a client's `etcd_cafile`, etcd's `--trusted-ca-file`). */
  readonly caFile: string;
  /** etcd's certificate (subjectAltName IP:127.0.0.1) and key. */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /**
   * A client certificate signed by the CA (`etcd_certfile`, `etcd_keyfile`). Its CN is
   * {@link CLIENT_CN}: with etcd's authentication on, etcd takes that as the user's name.
   */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /**
   * A client certificate with no CN: for etcd's JSON gateway (which refuses a CN with auth on), and
   * for a client that must log in with a password (its certificate names no etcd user).
   */
  readonly gatewayCertFile: string;
  readonly gatewayKeyFile: string;
  /** A CA that signed nothing here: a client that trusts only it must refuse etcd. */
  readonly otherCaFile: string;
  /** A client certificate (CN {@link CLIENT_CN}) signed by the other CA: etcd must refuse it. */
  readonly strangerCertFile: string;
  readonly strangerKeyFile: string;
}

/** The CN of the test client certificate: the etcd user it logs in as when auth is on. */
export const CLIENT_CN = 'fleet';

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0] ?? ''} failed: ${(e.stderr ?? e.message).trim()}`, {
      cause: err,
    });
  }
}

/** A self-signed CA: `<name>.key`, `<name>.pem`. */
async function ca(dir: string, name: string): Promise<string> {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await openssl([
    'req', '-x509', '-new', '-key', key, '-sha256', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign',
    '-out', pem,
  ]); // prettier-ignore
  return pem;
}

/**
 * A certificate signed by the CA `caName`, for `usage` (serverAuth or clientAuth), with the
 * subject `subj` (default CN=`name`).
 */
async function leaf(
  dir: string,
  name: string,
  caName: string,
  usage: string,
  subj = `/CN=${name}`,
): Promise<void> {
  const key = join(dir, `${name}.key`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await openssl(['req', '-new', '-key', key, '-subj', subj, '-out', join(dir, `${name}.csr`)]); // prettier-ignore
  await writeFile(
    ext,
    [
      'basicConstraints=CA:false',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usage}`,
      'subjectAltName=IP:127.0.0.1',
      '',
    ].join('\n'),
  );
  await openssl([
    'x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, `${caName}.pem`),
    '-CAkey', join(dir, `${caName}.key`), '-CAcreateserial', '-sha256', '-days', '2',
    '-extfile', ext, '-out', join(dir, `${name}.pem`),
  ]); // prettier-ignore
}

/**
 * Makes the CA, etcd's, a client's and the gateway's certificates, and an unrelated CA with a
 * client certificate of its own, in `dir` with openssl.
 */
export async function makeEtcdTls(dir: string): Promise<EtcdTlsFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = await ca(dir, 'ca');
  const otherCaFile = await ca(dir, 'other-ca');
  await leaf(dir, 'etcd', 'ca', 'serverAuth,clientAuth');
  await leaf(dir, 'client', 'ca', 'clientAuth', `/CN=${CLIENT_CN}`);
  await leaf(dir, 'gateway', 'ca', 'clientAuth', '/O=fleet-test-gateway');
  await leaf(dir, 'stranger', 'other-ca', 'clientAuth', `/CN=${CLIENT_CN}`);
  return {
    caFile,
    serverCertFile: join(dir, 'etcd.pem'),
    serverKeyFile: join(dir, 'etcd.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    gatewayCertFile: join(dir, 'gateway.pem'),
    gatewayKeyFile: join(dir, 'gateway.key'),
    otherCaFile,
    strangerCertFile: join(dir, 'stranger.pem'),
    strangerKeyFile: join(dir, 'stranger.key'),
  };
}
