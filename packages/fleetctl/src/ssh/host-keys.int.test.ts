// fleetctl's host key checking and authentication against a real OpenSSH sshd on loopback:
// known, new (yes/no/other/EOF), changed, hashed, revoked and unchecked hosts; keys that are
// refused and --identity-file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnTracked, waitFor } from '@fleet/testkit';
import { makeKey, sshKeygen } from '../testing/sshd.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SshFixture } from '../testing/ssh-fixture.js';
import { FakeTerminal } from '../testing/streams.js';

let f: SshFixture;
beforeAll(async () => {
  f = await SshFixture.start();
});
afterAll(() => f?.stop());

describe('host key checking', () => {
  beforeEach(() => f.setKnownHosts(''));

  it('connects silently to a known host and returns the remote exit status', async () => {
    await f.setKnownHosts();
    expect(await f.h.fleetctl(f.sshArgs('sh', '-c', 'exit 3'))).toEqual({
      code: 3,
      stdout: '',
      stderr: '',
    });
    expect(await f.h.fleetctl(f.sshArgs('echo', 'hello world'))).toEqual({
      code: 0,
      stdout: 'hello world\n',
      stderr: '',
    });
    // One argument is a command line for the remote shell.
    expect((await f.h.fleetctl(f.sshArgs('echo a | tr a b; exit 4'))).code).toBe(4);
  });

  it('asks about a new host on the terminal; "yes" trusts it and records it, then it is known', async () => {
    const terminal = new FakeTerminal('yes\n');
    const r = await f.h.fleetctl(f.sshArgs('true'), { terminal });
    const token = `[${f.sshd.host}]:${f.sshd.port}`;
    expect(r.code).toBe(0);
    expect(terminal.text()).toMatch(
      new RegExp(
        `^The authenticity of host '\\[127\\.0\\.0\\.2\\]:${f.sshd.port}' can't be established\\.\\nED25519 key fingerprint is SHA256:\\S+\\.\\nAre you sure you want to continue connecting \\(yes/no\\)\\? `,
      ),
    );
    expect(r.stderr).toBe(
      `Warning: Permanently added '${token}' (ED25519) to the list of known hosts.\n`,
    );
    expect(await readFile(f.knownHosts, 'utf8')).toBe(f.sshd.knownHostsLine());
    expect(await f.h.fleetctl(f.sshArgs('true'))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it.each([
    ['no', 'no\n'],
    ['anything else', 'sure\n'],
    ['end of input', ''],
  ])('refuses a new host on %s, writing nothing', async (_what, answer) => {
    const terminal = new FakeTerminal(answer);
    const r = await f.h.fleetctl(f.sshArgs('true'), { terminal });
    expect(r.code).toBe(255);
    expect(terminal.text()).toContain('Are you sure you want to continue connecting (yes/no)? ');
    expect(r.stderr).toContain('Host key verification failed.\n');
    expect(r.stderr).toMatch(
      /Failed building SSH client: host key verification failed for .*unauthorized host/,
    );
    expect(await readFile(f.knownHosts, 'utf8')).toBe('');
  });

  it('never takes the answer from stdin: piped "yes" trusts nothing without a terminal', async () => {
    const r = await f.h.fleetctl(f.sshArgs('cat'), { stdin: 'yes\nTOP SECRET PAYLOAD\n' });
    const token = `[${f.sshd.host}]:${f.sshd.port}`;
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^The authenticity of host '\\[127\\.0\\.0\\.2\\]:${f.sshd.port}' can't be established\\.\\nED25519 key fingerprint is SHA256:\\S+\\.\\nHost key verification failed\\.\\n`,
      ),
    );
    expect(r.stderr.trim().split('\n').pop()).toBe(
      `Failed building SSH client: host key verification failed for ${token}: unknown host and no terminal to ask whether to trust it (add its key to ${f.knownHosts}, or run fleetctl from a terminal)`,
    );
    expect(await readFile(f.knownHosts, 'utf8')).toBe('');
  });

  it('asks on the terminal, so piped stdin reaches the command whole', async () => {
    const terminal = new FakeTerminal('yes\n');
    const r = await f.h.fleetctl(f.sshArgs('cat'), { terminal, stdin: 'line1 of data\nline2\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('line1 of data\nline2\n');
    expect(terminal.opens).toBe(1);
    expect(await readFile(f.knownHosts, 'utf8')).toBe(f.sshd.knownHostsLine());
  });

  it('aborts with the banner when the host key changed, without asking', async () => {
    const other = await makeKey(join(f.h.dir, 'other'));
    await f.setKnownHosts(
      `# mine\n[${f.sshd.host}]:${f.sshd.port} ${other.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const terminal = new FakeTerminal('yes\n');
    const r = await f.h.fleetctl(f.sshArgs('true'), { terminal });
    expect(terminal.opens).toBe(0);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @');
    expect(r.stderr).toContain(`Offending ED25519 key in ${f.knownHosts}:2`);
    expect(r.stderr).not.toContain('Are you sure');
    expect(r.stderr).toMatch(/host key mismatch/);
  });

  it('accepts a hashed entry written by ssh-keygen -H', async () => {
    await f.setKnownHosts();
    await sshKeygen(['-H', '-f', f.knownHosts]);
    expect(await readFile(f.knownHosts, 'utf8')).toMatch(/^\|1\|/);
    expect(await f.h.fleetctl(f.sshArgs('true'))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses a key marked @revoked', async () => {
    await f.setKnownHosts(`${f.sshd.knownHostsLine()}@revoked * ${f.sshd.hostKey}\n`);
    const r = await f.h.fleetctl(f.sshArgs('true'));
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('REVOKED HOST KEY DETECTED');
  });

  const otherKeyFor = async (name: string) => {
    const other = await makeKey(join(f.h.dir, name));
    return `# mine\n[${f.sshd.host}]:${f.sshd.port} ${other.split(' ').slice(0, 2).join(' ')}\n`;
  };

  it('with strict checking off, a changed key still prints the banner, then connects', async () => {
    const recorded = await otherKeyFor('other-lax');
    await f.setKnownHosts(recorded);
    const r = await f.h.fleetctl([
      '--strict-host-key-checking=false',
      ...f.sshArgs('echo', 'connected'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('connected\n');
    expect(r.stderr).toContain('@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @');
    expect(r.stderr).toContain(`Offending ED25519 key in ${f.knownHosts}:2\n`);
    expect(r.stderr).not.toContain('Host key verification failed.');
    expect(await readFile(f.knownHosts, 'utf8')).toBe(recorded);
  });

  it('with strict checking off, a changed key gets no agent forwarded (-A)', async () => {
    await f.setKnownHosts(await otherKeyFor('other-agent'));
    const sock = join(f.h.dir, 'lax-agent.sock');
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
      const env = { HOME: join(f.h.dir, 'nohome'), SSH_AUTH_SOCK: sock };
      const probe = f.sshArgs(
        'sh',
        '-c',
        'test -S "$SSH_AUTH_SOCK" && echo forwarded || echo none',
      );
      const args = ['--known-hosts-file', f.knownHosts, '--strict-host-key-checking=false'];
      const changed = await f.h.fleetctl([...args, '-A', ...probe], { env });
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.stdout).toBe('none\n');
      expect(changed.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED!');
      expect(changed.stderr).toContain(
        'Agent forwarding is disabled to avoid man-in-the-middle attacks.\n',
      );
      // The same with the right key recorded: the agent is forwarded.
      await f.setKnownHosts();
      const known = await f.h.fleetctl([...args, '-A', ...probe], { env });
      expect(known).toEqual({ code: 0, stdout: 'forwarded\n', stderr: '' });
    } finally {
      await agent.stop();
    }
  });

  it('with strict checking off, a revoked key still aborts', async () => {
    await f.setKnownHosts(`@revoked * ${f.sshd.hostKey}\n`);
    const r = await f.h.fleetctl(['--strict-host-key-checking=false', ...f.sshArgs('true')]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('REVOKED HOST KEY DETECTED');
  });

  it('checks nothing with --strict-host-key-checking=false', async () => {
    const r = await f.h.fleetctl(['--strict-host-key-checking=false', ...f.sshArgs('true')]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await readFile(f.knownHosts, 'utf8')).toBe('');
  });
});

describe('authentication', () => {
  beforeAll(() => f.setKnownHosts());

  it('fails clearly when no offered key is accepted', async () => {
    const stranger = join(f.h.dir, 'stranger');
    await makeKey(stranger);
    const r = await f.h.fleetctl(
      ['-i', stranger, '--known-hosts-file', f.knownHosts, ...f.sshArgs('true')],
      {
        env: { HOME: join(f.h.dir, 'nohome') },
      },
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(
      `Failed building SSH client: SSH authentication failed for root@127.0.0.2:${f.sshd.port} (tried ${stranger})\n`,
    );
  });

  it('uses --identity-file', async () => {
    const key = join(f.h.dir, 'home', '.ssh', 'id_ed25519');
    const r = await f.h.fleetctl(['--identity-file', key, ...f.sshArgs('true')], {
      env: { HOME: join(f.h.dir, 'nohome'), FLEETCTL_KNOWN_HOSTS_FILE: f.knownHosts },
    });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
