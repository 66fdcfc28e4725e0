// A unix-socket proxy for fault tests: put it between a client and a bus, then cut every
// connection (the bus "restarts") or freeze them (the bus is wedged: nothing answers).
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Data held back while frozen, per direction. */
  readonly held: { toUpstream: Buffer[]; toClient: Buffer[] };
}

/** Forwards connections on its own socket to `target` (a unix socket path). */
export class SocketProxy {
  private readonly pairs = new Set<Pair>();
  private frozen = false;
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    /** The proxy's socket path. */
    readonly path: string,
  ) {}

  /** Starts a proxy for `target` on a socket in a new temporary directory. */
  static async start(target: string): Promise<SocketProxy> {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-proxy-'));
    const path = join(dir, 'proxy.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const proxy = new SocketProxy(server, dir, path);
    server.on('connection', (client: Socket) => proxy.accept(client, target));
    return proxy;
  }

  /** The D-Bus address of the proxy. */
  get address(): string {
    return `unix:path=${this.path}`;
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  /** Closes every open connection; new ones are still accepted. */
  cut(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Stops forwarding in both directions, on open and new connections, until {@link thaw}. */
  freeze(): void {
    this.frozen = true;
  }

  /** Forwards again, held data first. */
  thaw(): void {
    this.frozen = false;
    for (const pair of this.pairs) {
      for (const chunk of pair.held.toUpstream.splice(0)) pair.upstream.write(chunk);
      for (const chunk of pair.held.toClient.splice(0)) pair.client.write(chunk);
    }
  }

  /** Stops listening, closes every connection and removes the socket. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private accept(client: Socket, target: string): void {
    this.accepted++;
    const upstream = createConnection(target);
    const pair: Pair = { client, upstream, held: { toUpstream: [], toClient: [] } };
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (this.frozen) pair.held.toUpstream.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.frozen) pair.held.toClient.push(chunk);
      else client.write(chunk);
    });
  }
}
