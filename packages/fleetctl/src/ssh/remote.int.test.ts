// fleetctl running things over SSH against a real OpenSSH sshd on loopback: shells and commands
// with their exit status, ssh-agent authentication and forwarding, global units on every machine, the --tunnel API path (unix socket and
// TCP endpoints), nested connections through the tunnel, status/journal remotely and locally.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApi, FleetServer } from '@fleet/api';
import { spawnTracked, waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { HOST, SshFixture, UNIT } from '../testing/ssh-fixture.js';
import { FakeTerminal } from '../testing/streams.js';

let f: SshFixture;
beforeAll(async () => {
  f = await SshFixture.start();
});
afterAll(() => f?.stop());

describe('sessions', () => {
  beforeAll(() => f.setKnownHosts());

  it('opens a shell without a command (no pseudo-terminal when stdin is not one)', async () => {
    const r = await f.h.fleetctl(
      ['--ssh-username', 'root', 'ssh', '--ssh-port', String(f.sshd.port), HOST.id],
      {
        stdin: 'echo from-shell\nexit 5\n',
      },
    );
    expect(r).toEqual({ code: 5, stdout: 'from-shell\n', stderr: '' });
  });

  it('reaches a machine by its IP as well as by an ID prefix', async () => {
    const args = ['--ssh-username', 'root', 'ssh', '--ssh-port', String(f.sshd.port)];
    expect(await f.h.fleetctl([...args, HOST.ip, 'echo', 'by ip'])).toEqual({
      code: 0,
      stdout: 'by ip\n',
      stderr: '',
    });
    expect(await f.h.fleetctl([...args, '--machine', HOST.ip, 'echo', 'by -m ip'])).toEqual({
      code: 0,
      stdout: 'by -m ip\n',
      stderr: '',
    });
  });

  it('forwards stdin to a command', async () => {
    const r = await f.h.fleetctl(f.sshArgs('tr', 'a-z', 'A-Z'), { stdin: 'shout\n' });
    expect(r).toEqual({ code: 0, stdout: 'SHOUT\n', stderr: '' });
  });

  it('authenticates with ssh-agent and forwards it with -A', async () => {
    const sock = join(f.h.dir, 'agent.sock');
    const agent = spawnTracked('ssh-agent', 'ssh-agent', ['-D', '-a', sock]);
    try {
      await waitFor(() => existsSync(sock), { what: 'ssh-agent socket' });
      const add = spawnTracked(
        'ssh-add',
        'ssh-add',
        [join(f.h.dir, 'home', '.ssh', 'id_ed25519')],
        {
          env: { SSH_AUTH_SOCK: sock, PATH: process.env.PATH ?? '' },
        },
      );
      expect((await add.exited).code).toBe(0);
      const env = {
        HOME: join(f.h.dir, 'nohome'),
        SSH_AUTH_SOCK: sock,
        FLEETCTL_KNOWN_HOSTS_FILE: f.knownHosts,
      };
      const r = await f.h.fleetctl(
        ['-A', ...f.sshArgs('sh', '-c', 'test -S "$SSH_AUTH_SOCK" && echo forwarded')],
        { env },
      );
      expect(r).toEqual({ code: 0, stdout: 'forwarded\n', stderr: '' });
      const plain = await f.h.fleetctl(f.sshArgs('sh', '-c', 'test -z "$SSH_AUTH_SOCK"'), { env });
      expect(plain.code).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it('runs on every machine of a global unit', async () => {
    const twin = { id: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff', ip: '127.0.0.2' };
    await f.h.machine(twin);
    onTestFinished(async () => {
      await f.h.dropMachine(twin.id);
      await f.h.registry.destroyUnit('g.service');
    });
    const options = [...UNIT, { section: 'X-Fleet', name: 'Global', value: 'true' }];
    await f.h.registry.createUnit({ name: 'g.service', options, desiredState: 'launched' });
    await f.h.publish('g.service', HOST.id, { activeState: 'active' });
    await f.h.publish('g.service', twin.id, { activeState: 'active' });
    const base = ['--ssh-username', 'root'];
    const port = ['--ssh-port', String(f.sshd.port)];
    const r = await f.h.fleetctl([...base, 'ssh', ...port, '--unit', 'g', '--', 'echo', 'hi']);
    expect(r).toEqual({
      code: 0,
      stdout: '=== e1f2a3b4.../127.0.0.2 ===\nhi\n=== f0f1f2f3.../127.0.0.2 ===\nhi\n',
      stderr: '',
    });
    const status = await f.h.fleetctl([...base, 'status', ...port, 'g']);
    expect(status.stdout).toContain('Global unit g.service on e1f2a3b4.../127.0.0.2:\n');
    expect(status.stdout).toContain('Global unit g.service on f0f1f2f3.../127.0.0.2:\n');
    const journal = await f.h.fleetctl([...base, 'journal', ...port, '-n', '1', 'g']);
    expect(journal.stdout).toMatch(/^Global unit g\.service on e1f2a3b4\.\.\.\/127\.0\.0\.2:\n/);
    expect(journal.stdout).toContain('Global unit g.service on f0f1f2f3.../127.0.0.2:\n');
    const shell = await f.h.fleetctl([...base, 'ssh', ...port, '--unit', 'g']);
    expect(shell.code).toBe(1);
    expect(shell.stderr).toMatch(/runs on 2 machines .*pick one with --machine/);
  });
});

describe('--tunnel', () => {
  let tcp: FleetServer;
  let tcpPort = 0;
  beforeAll(async () => {
    await f.setKnownHosts();
    tcp = await FleetServer.listen(createApi({ registry: f.h.registry, version: '9.9.9' }), {
      unixSocket: null,
      tcp: [{ host: '127.0.0.1', port: 0 }],
      activation: false,
    });
    const addr = tcp.addresses[0];
    tcpPort = addr?.kind === 'tcp' ? addr.port : 0;
  });
  afterAll(() => tcp.close());

  const tunnel = () => ['--ssh-username', 'root', '--tunnel', `${f.sshd.host}:${f.sshd.port}`];

  it('carries API traffic to the remote unix socket', async () => {
    const r = await f.h.fleetctl([
      ...tunnel(),
      'list-machines',
      '--no-legend',
      '--fields',
      'machine,ip',
    ]);
    expect(r).toEqual({ code: 0, stdout: 'e1f2a3b4...\t127.0.0.2\n', stderr: '' });
  });

  it('carries API traffic to a TCP endpoint (direct-tcpip)', async () => {
    const r = await f.h.fleetctl(
      [
        ...tunnel(),
        '--endpoint',
        `http://127.0.0.1:${tcpPort}`,
        'list-unit-files',
        '--no-legend',
        '--fields',
        'unit,dstate',
      ],
      { endpoint: false },
    );
    expect(r).toEqual({ code: 0, stdout: 'hello.service\tlaunched\n', stderr: '' });
  });

  it('reaches machines through the bastion (nested SSH), with host keys checked', async () => {
    const r = await f.h.fleetctl([...tunnel(), ...f.sshArgs('sh', '-c', 'exit 3').slice(2)]);
    expect(r).toEqual({ code: 3, stdout: '', stderr: '' });
    const byUnit = await f.h.fleetctl([
      ...tunnel(),
      'ssh',
      '--ssh-port',
      String(f.sshd.port),
      'hello',
      'echo',
      'via unit',
    ]);
    expect(byUnit).toEqual({ code: 0, stdout: 'via unit\n', stderr: '' });
  });

  it('fails with one line when the bastion is refused', async () => {
    await f.setKnownHosts('');
    const r = await f.h.fleetctl([...tunnel(), 'list-units'], {
      terminal: new FakeTerminal('no\n'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(
      /^Unable to initialize client: failed initializing SSH tunnel: host key verification failed for \[127\.0\.0\.2\]:\d+: unauthorized host/,
    );
    await f.setKnownHosts();
  });
});

describe('status and journal', () => {
  beforeAll(() => f.setKnownHosts());

  const local = (argv: string[]) => {
    const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8' });
    return { code: r.status ?? 255, stdout: r.stdout };
  };

  it('status runs systemctl status -l on the unit machine and returns its status', async () => {
    const expected = local(['systemctl', 'status', '-l', 'hello.service']);
    const r = await f.h.fleetctl([
      '--ssh-username',
      'root',
      'status',
      '--ssh-port',
      String(f.sshd.port),
      'hello',
    ]);
    expect(r.code).toBe(expected.code);
    expect(r.stdout).toBe(expected.stdout);
  });

  it('journal runs journalctl remotely', async () => {
    const argv = [
      'journalctl',
      '--unit',
      'hello.service',
      '--no-pager',
      '-n',
      '3',
      '--output',
      'cat',
    ];
    const expected = local(argv);
    const r = await f.h.fleetctl([
      '--ssh-username',
      'root',
      'journal',
      '--ssh-port',
      String(f.sshd.port),
      '-n',
      '3',
      '--output',
      'cat',
      'hello',
    ]);
    expect(r.code).toBe(expected.code);
    expect(r.stdout).toBe(expected.stdout);
  });

  it('runs locally, without SSH, when the unit is on this machine', async () => {
    await writeFile(join(f.h.dir, 'machine-id'), `${HOST.id}\n`);
    const expected = local(['systemctl', 'status', '-l', 'hello.service']);
    // Port 1: any SSH attempt would fail.
    const r = await f.h.fleetctl(['status', '--ssh-port', '1', 'hello']);
    expect(r.code).toBe(expected.code);
    await writeFile(join(f.h.dir, 'machine-id'), '');
  });

  it('status of a unit that is not loaded fails without connecting', async () => {
    await f.h.registry.createUnit({
      name: 'idle.service',
      options: UNIT,
      desiredState: 'inactive',
    });
    expect(await f.h.fleetctl(['status', 'idle', 'ghost'])).toEqual({
      code: 1,
      stdout: '\n',
      stderr:
        'Unit idle.service does not appear to be loaded.\nUnit ghost.service does not exist.\n',
    });
    expect(await f.h.fleetctl(['journal', 'idle'])).toMatchObject({
      code: 1,
      stderr: 'Unit idle.service does not appear to be running.\n',
    });
  });
});
