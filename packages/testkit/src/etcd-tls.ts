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
  /** A client certificate signed by the CA (`etcd_certfile`, `etcd_keyfile`). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A CA that signed nothing here: a client that trusts only it must refuse etcd. */
  readonly otherCaFile: string;
}

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

/** A certificate signed by the CA `caName`, for `usage` (serverAuth or clientAuth). */
async function leaf(dir: string, name: string, caName: string, usage: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', join(dir, `${name}.csr`)]); // prettier-ignore
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

/** Makes the CA, etcd's and a client's certificates (and an unrelated CA) in `dir` with openssl. */
export async function makeEtcdTls(dir: string): Promise<EtcdTlsFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = await ca(dir, 'ca');
  const otherCaFile = await ca(dir, 'other-ca');
  await leaf(dir, 'etcd', 'ca', 'serverAuth,clientAuth');
  await leaf(dir, 'client', 'ca', 'clientAuth');
  return {
    caFile,
    serverCertFile: join(dir, 'etcd.pem'),
    serverKeyFile: join(dir, 'etcd.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    otherCaFile,
  };
}
