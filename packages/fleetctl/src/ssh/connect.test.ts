// What the SSH layer throws: its own catalogue (codes, retryable), never the CLI's errors, which
// the commands build from these (remote/run.ts, cli/context.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRetryable } from '@fleet/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { Capture } from '../testing/streams.js';
import { sshConnect, type SshSettings } from './connect.js';
import { SshConnectError, SshError, SshTimeoutError } from './errors.js';

describe('sshConnect failures', () => {
  let dir: string;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetctl-ssh-'));
  });
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) =>
      server === undefined ? resolve() : server.close(() => resolve()),
    );
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (timeoutMs: number): SshSettings => ({
    username: 'core',
    timeoutMs,
    debug: () => undefined,
    auth: { agentSocket: undefined, identityFile: '', homeDir: dir },
    hostKeys: {
      strict: true,
      knownHostsFile: join(dir, 'known_hosts'),
      stderr: new Capture(),
      ask: () => Promise.resolve(undefined),
    },
  });

  it('a refused connection is SSH_CONNECT, retryable', async () => {
    const err: unknown = await sshConnect('127.0.0.1', 1, settings(5000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshConnectError);
    expect(err).toBeInstanceOf(SshError);
    expect(err).not.toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      code: 'SSH_CONNECT',
      message: expect.stringMatching(/^cannot connect to 127\.0\.0\.1:1 over SSH: .*ECONNREFUSED/),
    });
    expect(isRetryable(err)).toBe(true);
  });

  it('a server that never answers is SSH_TIMEOUT after --ssh-timeout, retryable', async () => {
    server = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const err: unknown = await sshConnect('127.0.0.1', port, settings(200)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SshTimeoutError);
    expect(err).toMatchObject({
      code: 'SSH_TIMEOUT',
      message: `timed out after 0.2 s setting up SSH to 127.0.0.1:${port}`,
    });
    expect(isRetryable(err)).toBe(true);
  });
});
