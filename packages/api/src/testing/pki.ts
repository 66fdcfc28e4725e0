// A throw-away certificate authority for tests, made with openssl in a temp dir at test time: a
// server certificate for 127.0.0.1/localhost, client certificates by CN and SAN, revocation (a CRL).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as file paths. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
}

/** A CA in a temp dir (`ca.crt`, `ca.key`), and the certificates it issued. */
export class TestPki {
  readonly dir: string;
  readonly ca: string;
  /** `server.crt`/`server.key`: for `serverSan` (default 127.0.0.1 and localhost). */
  readonly server: Issued;

  /**
   * @param parent - where the temp dir is made (default the OS's)
   * @param serverSan - the server certificate's names, openssl's form
   */
  constructor(parent: string = tmpdir(), serverSan = 'IP:127.0.0.1,DNS:localhost') {
    this.dir = mkdtempSync(join(parent, 'fleet-pki-'));
    writeFileSync(
      this.path('ca.cnf'),
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        'database = index.txt',
        'crlnumber = crlnumber',
        'default_md = sha256',
        'default_crl_days = 2',
      ].join('\n'),
    );
    writeFileSync(this.path('index.txt'), '');
    writeFileSync(this.path('crlnumber'), '01\n');
    this.authority('ca');
    this.ca = this.path('ca.crt');
    this.server = this.issue('server', 'localhost', {
      san: serverSan,
      usage: 'serverAuth',
    });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }

  /** A self-signed CA `<name>.crt`/`<name>.key` (another CA than `ca` for "rogue" tests). */
  authority(name: string): Issued {
    const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    curve.push('-days', '2', '-subj', `/CN=${name}`);
    this.openssl('req', '-x509', ...curve, '-keyout', `${name}.key`, '-out', `${name}.crt`);
    return { cert: this.path(`${name}.crt`), key: this.path(`${name}.key`) };
  }

  /**
   * A key and certificate `<name>.crt`/`<name>.key` with subject CN `cn`, signed by `ca`
   * (default the CA), with `san` (openssl's form: `DNS:a,IP:127.0.0.1`) and extended key usage
   * `usage` (default clientAuth).
   */
  issue(
    name: string,
    cn: string,
    opts: { san?: string; usage?: string; ca?: string } = {},
  ): Issued {
    const ext = [
      `extendedKeyUsage=${opts.usage ?? 'clientAuth'}`,
      ...(opts.san !== undefined ? [`subjectAltName=${opts.san}`] : []),
    ];
    writeFileSync(this.path(`${name}.ext`), `${ext.join('\n')}\n`);
    const ca = opts.ca ?? 'ca';
    this.openssl(
      'req',
      ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`],
    );
    this.openssl(
      'x509',
      '-req',
      ...['-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial'],
      ...['-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`],
    );
    return { cert: this.path(`${name}.crt`), key: this.path(`${name}.key`) };
  }

  /** Revokes `<name>.crt` and writes the CA's CRL; returns its path (`ca.crl`). */
  revoke(name: string): string {
    const ca = ['-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.crt'];
    this.openssl('ca', ...ca, '-revoke', `${name}.crt`);
    return this.crl();
  }

  /** Writes the CA's current CRL (`ca.crl`, empty until a revocation) and returns its path. */
  crl(): string {
    const ca = ['-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.crt'];
    this.openssl('ca', ...ca, '-gencrl', '-out', 'ca.crl');
    return this.path('ca.crl');
  }

  /** Removes the temp dir. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
