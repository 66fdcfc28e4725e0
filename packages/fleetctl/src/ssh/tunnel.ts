// The fleet API through an SSH bastion (--tunnel): each HTTP connection is a new channel, to the
// remote unix socket (OpenSSH's direct-streamlocal, so no fleetctl is needed on the bastion, unlike
// fleet's `fleetctl fd-forward`) or to a TCP endpoint (direct-tcpip).
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import type { Endpoint } from '@fleet/client';
import { forwardTcp, type SshClient } from './connect.js';

function streamLocal(bastion: SshClient, socketPath: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    bastion.openssh_forwardOutStreamLocal(socketPath, (err, ch) =>
      err ? reject(err) : resolve(ch),
    );
  });
}

/** A `createConnection` for FleetClient that reaches `endpoint` from the bastion. */
export function tunnelConnection(bastion: SshClient, endpoint: Endpoint): () => Promise<Duplex> {
  return async () => {
    const ch =
      endpoint.kind === 'unix'
        ? await streamLocal(bastion, endpoint.socketPath)
        : await forwardTcp(bastion, endpoint.host, endpoint.port);
    // A channel stays half-open until our side ends it; end it when the server does.
    ch.once('end', () => ch.end());
    return ch;
  };
}

/** Splits `--tunnel host[:port]` (port 22 by default; `[v6]:port` for IPv6). */
export function parseTunnel(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) {
    return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 22) };
  }
  const colon = text.lastIndexOf(':');
  if (colon === -1 || text.indexOf(':') !== colon) return { host: text, port: 22 };
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}
