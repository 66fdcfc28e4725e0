// `fleetctl fd-forward SOCKET`: copy stdin to a unix socket and the socket to stdout. fleet ran it
// on the bastion for --tunnel; this fleetctl tunnels without it, but keeps the command so older
// clients can use this one remotely.
import { connect } from 'node:net';
import type { CommandSpec } from '../cli/command.js';
import { CliError, UsageError } from '../cli/errors.js';

/** The fd-forward command. */
export const fdForwardCommand: CommandSpec = {
  name: 'fd-forward',
  usage: 'SOCKET',
  summary: 'Proxy stdin and stdout to a unix domain socket',
  positional: '[socket..]',
  run(ctx, args) {
    const [path, ...extra] = args.list('socket');
    if (path === undefined || extra.length > 0) {
      throw new UsageError('Provide a single argument: the unix domain socket to forward to.');
    }
    return new Promise((resolve, reject) => {
      const sock = connect(path);
      sock.once('error', (err) =>
        reject(new CliError(`Failed to connect to ${path}: ${err.message}`, { cause: err })),
      );
      sock.once('connect', () => {
        ctx.io.stdin.pipe(sock);
        sock.pipe(ctx.io.stdout, { end: false });
      });
      sock.once('close', () => {
        ctx.io.stdin.unpipe(sock);
        ctx.io.stdin.pause();
        resolve(0);
      });
    });
  },
};
