// SSH connections: direct, or nested through another connection (the --tunnel bastion) by
// running the handshake over a direct-tcpip channel. Every connection checks the host key and
// has a setup deadline (--ssh-timeout) that does not count time spent answering a prompt.
import ssh2 from 'ssh2';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { oneLine } from '@fleet/runtime';
import { authPlan, type AuthSources } from './auth.js';
import {
  SshAuthError,
  SshChannelError,
  SshConnectError,
  SshHostKeyError,
  SshTimeoutError,
  type SshError,
} from './errors.js';
import { hostCheck, type HostCheckSettings } from './host-check.js';

/** A connected SSH client. */
export type SshClient = Client;

/** Connections whose sessions forward the agent (`-A`, and the host key was not changed). */
const agentForwarding = new WeakSet<Client>();

/** Whether sessions on `conn` should ask for agent forwarding. */
export function forwardsAgent(conn: SshClient): boolean {
  return agentForwarding.has(conn);
}

/** How fleetctl connects over SSH. */
export interface SshSettings {
  readonly username: string;
  readonly timeoutMs: number;
  readonly hostKeys: HostCheckSettings;
  readonly auth: AuthSources;
  readonly debug: (msg: string) => void;
}

/** Options of one connection. */
export interface ConnectOptions {
  /** Connect through this client (a bastion) instead of dialing directly. */
  readonly via?: SshClient;
  /** Forward the local agent (`ssh -A`). */
  readonly forwardAgent?: boolean;
}

/** Host key algorithms that yield keys of the given types. */
function algorithmsFor(types: readonly string[]): string[] {
  return types.flatMap((t) =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
  );
}

/** Opens a direct-tcpip channel to `host:port` from `via`. */
export function forwardTcp(via: SshClient, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch)));
  });
}

/**
 * Connects and authenticates to `host:port`.
 * @throws SshError naming the host: SshChannelError (through the tunnel), SshConnectError,
 * SshTimeoutError, SshHostKeyError, SshAuthError
 */
export async function sshConnect(
  host: string,
  port: number,
  settings: SshSettings,
  opts: ConnectOptions = {},
): Promise<SshClient> {
  const addr = `${host}:${port}`;
  let timer: NodeJS.Timeout | undefined;
  let remaining = settings.timeoutMs;
  let armedAt = 0;
  let onTimeout = (): void => undefined;
  const arm = () => {
    armedAt = Date.now();
    timer = setTimeout(() => onTimeout(), Math.max(remaining, 0));
  };
  const pause = () => {
    clearTimeout(timer);
    remaining -= Date.now() - armedAt;
  };
  arm();

  const check = hostCheck(host, port, {
    ...settings.hostKeys,
    ask: async (question) => {
      pause();
      try {
        return await settings.hostKeys.ask(question);
      } finally {
        arm();
      }
    },
  });
  const plan = authPlan(settings.username, settings.auth, settings.debug);
  const forwardAgent = opts.forwardAgent === true && settings.auth.agentSocket !== undefined;

  let sock: ClientChannel | undefined;
  try {
    if (opts.via !== undefined) {
      settings.debug(`opening a channel to ${addr} through the tunnel`);
      sock = await new Promise<ClientChannel>((resolve, reject) => {
        onTimeout = () =>
          reject(new SshTimeoutError('timed out opening a channel through the tunnel'));
        forwardTcp(opts.via as SshClient, host, port).then(resolve, reject);
      });
    }
  } catch (err) {
    clearTimeout(timer);
    const Failure = err instanceof SshTimeoutError ? SshTimeoutError : SshChannelError;
    throw new Failure(`cannot reach ${addr} through the SSH tunnel: ${oneLine(err)}`, {
      cause: err,
    });
  }

  const client = new ssh2.Client();
  const known = algorithmsFor(check.knownTypes);
  const config: ConnectConfig = {
    username: settings.username,
    readyTimeout: 0,
    keepaliveInterval: 15_000,
    hostVerifier: check.verify,
    authHandler: plan.methods,
    ...(opts.via === undefined ? { host, port } : { sock: sock as ClientChannel }),
    ...(known.length === 0 ? {} : { algorithms: { serverHostKey: { prepend: known } } }),
    // The agent is forwarded per session (exec.ts), once the host key check is over: a changed
    // key let through with strict checking off gets no agent (OpenSSH does the same).
    ...(forwardAgent ? { agent: settings.auth.agentSocket as string } : {}),
  } as ConnectConfig;

  settings.debug(`connecting to ${settings.username}@${addr} over SSH`);
  return new Promise<SshClient>((resolve, reject) => {
    const fail = (err: SshError) => {
      clearTimeout(timer);
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.end();
      sock?.destroy();
      reject(err);
    };
    onTimeout = () =>
      fail(
        new SshTimeoutError(
          `timed out after ${settings.timeoutMs / 1000} s setting up SSH to ${addr}`,
        ),
      );
    client.once('ready', () => {
      clearTimeout(timer);
      client.removeAllListeners('error');
      client.on('error', (err: Error) => settings.debug(`SSH ${addr}: ${err.message}`));
      settings.debug(`SSH connection to ${addr} ready`);
      if (forwardAgent && check.changed()) {
        settings.hostKeys.stderr.write(
          'Agent forwarding is disabled to avoid man-in-the-middle attacks.\n',
        );
      } else if (forwardAgent) agentForwarding.add(client);
      resolve(client);
    });
    client.once('error', (err: Error & { level?: string }) => {
      const refusal = check.refusal();
      if (refusal !== undefined) fail(new SshHostKeyError(refusal, { cause: err }));
      else if (err.level === 'client-authentication') {
        const tried =
          plan.tried.length === 0
            ? 'no ssh-agent (SSH_AUTH_SOCK) and no key file to offer'
            : `tried ${plan.tried.join(', ')}`;
        fail(
          new SshAuthError(
            `SSH authentication failed for ${settings.username}@${addr} (${tried})`,
            {
              cause: err,
            },
          ),
        );
      } else {
        fail(
          new SshConnectError(`cannot connect to ${addr} over SSH: ${err.message}`, { cause: err }),
        );
      }
    });
    client.connect(config);
  });
}
