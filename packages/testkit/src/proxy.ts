import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of a server (etcd, say), to cut one client's link for a fault
 * test without touching the server: `cut()` drops every connection and black-holes new ones (they
 * are accepted and then hear nothing, as behind a dropped route); `blackhole()` silences the open
 * ones too, without closing them; `delay(ms)` holds every chunk for `ms` each way, as a slow link;
 * `restore()` lets traffic through again, undelayed.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket | undefined]>();
  /** Open connections that `blackhole()` silenced: closed by `restore()`. */
  private readonly silenced = new Set<[Socket, Socket | undefined]>();
  /** Pairs forwarded chunk by chunk through a delay (not piped): how to stop their timers. */
  private readonly delayed = new Map<[Socket, Socket | undefined], Forwarding>();
  private delayMs = 0;
  private isCut = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts a proxy on `127.0.0.1:<free port>` forwarding to `target`. */
  static async start(
    target: { host: string; port: number },
    host = '127.0.0.1',
  ): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: 0 }, () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('proxy has no address');
    holder.proxy = new TcpProxy(server, addr.port, target);
    return holder.proxy;
  }

  /** `http://127.0.0.1:<port>`: the URL clients use instead of the target's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get cutOff(): boolean {
    return this.isCut;
  }

  /** Client connections being forwarded now (not counting those held while cut). */
  get connections(): number {
    let n = 0;
    for (const [, u] of this.pairs) if (u !== undefined) n++;
    return n;
  }

  /** Drops every open connection and black-holes new ones until `restore()`. */
  cut(): void {
    this.isCut = true;
    for (const [c, u] of this.pairs) {
      c.destroy();
      u?.destroy();
    }
    this.pairs.clear();
  }

  /**
   * Drops packets instead of refusing them, as a firewall's DROP rule does: open connections stay
   * open and silently stop forwarding (whatever arrives is read and thrown away), and new ones are
   * accepted and never answered, so every call hangs until its own deadline. `cut()` closes them
   * instead, and the client hears a reset at once.
   */
  blackhole(): void {
    this.isCut = true;
    for (const pair of this.pairs) {
      const [c, u] = pair;
      if (u === undefined) continue;
      this.delayed.get(pair)?.stop();
      this.delayed.delete(pair);
      c.unpipe(u);
      u.unpipe(c);
      for (const s of [c, u]) {
        s.removeAllListeners('data');
        s.on('data', () => undefined);
        s.resume();
      }
      this.silenced.add(pair);
    }
  }

  /**
   * Holds every chunk, both ways, for `ms` before forwarding it (in order), on open connections
   * and new ones, as a slow or congested link. `delay(0)` or `restore()` forwards at once again.
   */
  delay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot delay a link by ${ms} ms`);
    this.delayMs = ms;
    if (ms === 0) {
      for (const f of this.delayed.values()) f.flush();
      return;
    }
    for (const pair of this.pairs) {
      const [c, u] = pair;
      if (u === undefined || this.silenced.has(pair) || this.delayed.has(pair)) continue;
      c.unpipe(u);
      u.unpipe(c);
      this.delayed.set(pair, both(this.forwardLater(c, u), this.forwardLater(u, c)));
    }
  }

  /** Forwards again; connections held or silenced meanwhile are closed so that clients reconnect. */
  restore(): void {
    this.isCut = false;
    this.delay(0);
    for (const pair of this.pairs) {
      const [c, u] = pair;
      if (u === undefined || this.silenced.has(pair)) {
        c.destroy();
        u?.destroy();
      }
    }
    this.silenced.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.isCut) {
      const held: [Socket, Socket | undefined] = [client, undefined];
      this.pairs.add(held);
      client.once('close', () => this.pairs.delete(held));
      client.pause(); // accepted, never answered
      return;
    }
    const upstream = createConnection(this.target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket | undefined] = [client, upstream];
    this.pairs.add(pair);
    const done = () => {
      this.pairs.delete(pair);
      this.silenced.delete(pair);
      this.delayed.get(pair)?.stop();
      this.delayed.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', done);
    upstream.once('close', done);
    if (this.delayMs > 0) {
      this.delayed.set(
        pair,
        both(this.forwardLater(client, upstream), this.forwardLater(upstream, client)),
      );
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /**
   * Forwards `from` to `to` chunk by chunk, each held for the delay in force when it arrived and
   * never before an earlier one.
   */
  private forwardLater(from: Socket, to: Socket): Forwarding {
    const queue: { at: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0]?.at ?? 0) <= now) {
        const next = queue.shift();
        if (next !== undefined && !to.destroyed) to.write(next.chunk);
      }
      const head = queue[0];
      if (head !== undefined) timer = setTimeout(drain, Math.max(0, head.at - now));
    };
    const onData = (chunk: Buffer): void => {
      const last = queue[queue.length - 1]?.at ?? 0;
      queue.push({ at: Math.max(Date.now() + this.delayMs, last), chunk });
      if (timer === undefined)
        timer = setTimeout(drain, Math.max(0, (queue[0]?.at ?? 0) - Date.now()));
    };
    from.on('data', onData);
    from.resume();
    return {
      stop: () => {
        from.off('data', onData);
        if (timer !== undefined) clearTimeout(timer);
        queue.length = 0;
      },
      flush: () => {
        for (const q of queue) q.at = 0;
        if (timer !== undefined) clearTimeout(timer);
        drain();
      },
    };
  }
}

/** A delayed forwarding of one direction (or both) of a connection. */
interface Forwarding {
  /** Stops forwarding; what is held is dropped. */
  stop(): void;
  /** Forwards what is held at once. */
  flush(): void;
}

function both(a: Forwarding, b: Forwarding): Forwarding {
  return {
    stop: () => {
      a.stop();
      b.stop();
    },
    flush: () => {
      a.flush();
      b.flush();
    },
  };
}
