// The setting of the SSH integration tests: a fleet API (Harness) whose machine HOST is a real
// sshd on 127.0.0.2, a client key among fleetctl's default keys, hello.service running there.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Harness } from './harness.js';
import { makeKey, Sshd } from './sshd.js';

/** The machine sshd stands in for. */
export const HOST = { id: 'e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6', ip: '127.0.0.2' };

/** hello.service's options. */
export const UNIT = [
  { section: 'Unit', name: 'Description', value: 'hello' },
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
];

/** One test file's API, sshd and known hosts file. */
export class SshFixture {
  private constructor(
    readonly h: Harness,
    readonly sshd: Sshd,
  ) {}

  /** Starts everything. */
  static async start(): Promise<SshFixture> {
    const h = await Harness.start();
    await mkdir(join(h.dir, 'home', '.ssh'), { recursive: true });
    const clientKey = await makeKey(join(h.dir, 'home', '.ssh', 'id_ed25519'));
    const sshd = await Sshd.start(join(h.dir, 'sshd'), [clientKey]);
    await h.machine(HOST);
    await h.registry.createUnit({ name: 'hello.service', options: UNIT, desiredState: 'launched' });
    await h.assign('hello.service', HOST.id);
    await h.publish('hello.service', HOST.id, { activeState: 'active', state: 'launched' });
    return new SshFixture(h, sshd);
  }

  /** The default known hosts file (`~/.fleetctl/known_hosts` under the test's HOME). */
  get knownHosts(): string {
    return join(this.h.dir, 'home', '.fleetctl', 'known_hosts');
  }

  /** Writes the known hosts file (default: just this sshd's key). */
  async setKnownHosts(text: string = this.sshd.knownHostsLine()): Promise<void> {
    await mkdir(join(this.h.dir, 'home', '.fleetctl'), { recursive: true });
    await writeFile(this.knownHosts, text);
  }

  /** `fleetctl ssh` to HOST (by an ID prefix) running `command`. */
  sshArgs(...command: string[]): string[] {
    const port = String(this.sshd.port);
    const target = HOST.id.slice(0, 6);
    return [
      '--ssh-username',
      'root',
      'ssh',
      '--ssh-port',
      port,
      '--machine',
      target,
      '--',
      ...command,
    ];
  }

  /** Stops sshd and the API; removes the temp dir. */
  async stop(): Promise<void> {
    await this.sshd.stop();
    await this.h.close();
  }
}
