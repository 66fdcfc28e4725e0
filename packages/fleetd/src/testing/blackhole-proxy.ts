// Test helper: a loopback TCP proxy that can drop packets instead of refusing them. testkit's
// TcpProxy.cut() closes the open connections (the client hears a reset and knows at once);
// blackhole() keeps them open and silently stops forwarding, as a firewall's DROP rule does, so
// every call to etcd hangs until its own deadline.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class BlackholeProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket | undefined }>();
  private dropping = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    const holder: { proxy?: BlackholeProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no address');
    holder.proxy = new BlackholeProxy(server, addr.port);
    return holder.proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops forwarding in both directions; connections stay open and hear nothing. */
  blackhole(): void {
    this.dropping = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe();
      upstream?.unpipe();
      client.pause();
      upstream?.pause();
      // Whatever arrives from now on is read and thrown away, as a dropped packet.
      client.removeAllListeners('data');
      upstream?.removeAllListeners('data');
      client.on('data', () => undefined);
      upstream?.on('data', () => undefined);
      client.resume();
      upstream?.resume();
    }
  }

  /** Forwards again; connections that were silenced are closed so that clients reconnect. */
  restore(): void {
    this.dropping = false;
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    client.on('error', () => undefined);
    if (this.dropping) {
      const held = { client, upstream: undefined };
      this.pairs.add(held);
      client.once('close', () => this.pairs.delete(held));
      client.on('data', () => undefined); // accepted, never answered
      return;
    }
    const upstream = createConnection(target);
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    this.pairs.add(pair);
    const done = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', done);
    upstream.once('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
