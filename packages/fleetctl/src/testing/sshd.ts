// A real OpenSSH sshd for integration tests: its own host key, a temp config, an authorized key
// file, listening on a loopback address and a free port; started and stopped by the test (only
// this process is ever signalled).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';

/** Runs ssh-keygen to completion. @throws if it fails */
export async function sshKeygen(args: readonly string[]): Promise<void> {
  const p = spawnTracked('ssh-keygen', 'ssh-keygen', args);
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed: ${p.log()}`);
}

/** Makes an ed25519 key pair at `path` and `path.pub`; returns the public line. */
export async function makeKey(path: string): Promise<string> {
  await sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-C', 'fleetctl-test', '-f', path]);
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

/** A running sshd. */
export class Sshd {
  private constructor(
    readonly host: string,
    readonly port: number,
    /** `ssh-ed25519 AAAA...` */
    readonly hostKey: string,
    private readonly proc: TrackedProcess,
  ) {}

  /** The host key's wire-format blob. */
  get hostKeyBlob(): Buffer {
    return Buffer.from(this.hostKey.split(' ')[1] ?? '', 'base64');
  }

  /** A known_hosts line for this server. */
  knownHostsLine(): string {
    return `[${this.host}]:${this.port} ${this.hostKey}\n`;
  }

  /**
   * Starts sshd in `dir` (keys and config go there), accepting the given public keys for any
   * user (root, here).
   */
  static async start(
    dir: string,
    authorizedKeys: readonly string[],
    host = '127.0.0.2',
  ): Promise<Sshd> {
    await mkdir(dir, { recursive: true });
    // sshd refuses to start without its privilege separation directory.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeyPath = join(dir, 'host_ed25519');
    const hostKey = (await makeKey(hostKeyPath)).split(' ').slice(0, 2).join(' ');
    const authorized = join(dir, 'authorized_keys');
    await writeFile(authorized, `${authorizedKeys.join('\n')}\n`, { mode: 0o600 });
    const port = await freePort(host);
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        `ListenAddress ${host}:${port}`,
        `HostKey ${hostKeyPath}`,
        `AuthorizedKeysFile ${authorized}`,
        'PidFile none',
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'AllowTcpForwarding yes',
        'AllowStreamLocalForwarding yes',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    );
    const proc = spawnTracked('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', config]);
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (!proc.running) throw new Error(`sshd exited: ${proc.log()}`);
          const s = connect(port, host);
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.once('error', () => resolve(false));
        }),
      { what: 'sshd to listen', timeoutMs: 10_000 },
    );
    return new Sshd(host, port, hostKey, proc);
  }

  /** Stops sshd. */
  stop(): Promise<void> {
    return this.proc.stop();
  }
}
