// DbusSystemd's D-Bus behaviour against a real systemd in a systemd-nspawn machine, beyond the
// contract: match rules, reconnect after a cut or wedged bus (through a proxy that fails on
// command), signals after a reconnect, many calls at once, and nothing left behind by close().
import { createHook } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbusSystemd, type DbusSystemdOptions, type Systemd } from '@fleet/systemd';
import {
  ChangeRecorder,
  connectionStats,
  SocketProxy,
  waitUntil,
  type HarnessTime,
} from '@fleet/systemd/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bootMachines, type Machines, type NspawnMachine } from './src/index.js';

const SLEEPER = '[Service]\nExecStart=/bin/sleep 3600\n';
const time: HarnessTime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

let machines: Machines | undefined;
let node: NspawnMachine;
let root = '';
let busSocket = '';
let seq = 0;

beforeAll(async () => {
  machines = await bootMachines(1);
  const first = machines.list[0];
  const init = first?.initProcess;
  if (first === undefined || init === undefined) throw new Error('node1 did not boot');
  node = first;
  root = `/proc/${init.pid}/root`;
  busSocket = join(root, 'run/dbus/system_bus_socket');
});

afterAll(async () => {
  await machines?.teardown();
});

describe('DbusSystemd on a real bus', () => {
  const opened: Systemd[] = [];
  const proxies: SocketProxy[] = [];
  const counters: CallCounter[] = [];
  const units: string[] = [];

  afterEach(async () => {
    if (units.length > 0) {
      await node.exec('sh', ['-c', `systemctl stop ${units.join(' ')}; true`]);
    }
    units.length = 0;
    await Promise.all(opened.splice(0).map((sd) => sd.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await Promise.all(counters.splice(0).map((p) => p.close()));
  });

  const unit = (label: string): string => {
    const name = `fd-${process.pid}-${++seq}-${label}.service`;
    units.push(name);
    return name;
  };

  async function viaProxy(opts: DbusSystemdOptions = {}): Promise<[DbusSystemd, SocketProxy]> {
    const proxy = await SocketProxy.start(busSocket);
    proxies.push(proxy);
    const sd = await DbusSystemd.connect({ busAddress: proxy.address, filesRoot: root, ...opts });
    opened.push(sd);
    return [sd, proxy];
  }

  async function load(sd: Systemd, names: readonly string[]): Promise<void> {
    for (const name of names) {
      await sd.writeUnit(name, SLEEPER);
      await sd.link(name);
    }
    await sd.daemonReload();
  }

  /** Retries a call until it succeeds, as long as it fails retryably. */
  const eventually = (call: () => Promise<unknown>, what: string): Promise<true> =>
    waitUntil(time, what, () =>
      call().then(
        () => true as const,
        (err: { retryable?: boolean }) => {
          if (err.retryable !== true) throw err;
          return false;
        },
      ),
    );

  it('writes files the machine sees with modes 0755/0644 at the in-machine path', async () => {
    const sd = await DbusSystemd.connect({ busAddress: `unix:path=${busSocket}`, filesRoot: root });
    opened.push(sd);
    const name = unit('files');
    await load(sd, [name]);
    const modes = await node.exec('stat', [
      '-c',
      '%a %n',
      '/run/fleet/units',
      `/run/fleet/units/${name}`,
    ]);
    expect(modes.stdout.trim().split('\n')).toEqual([
      '755 /run/fleet/units',
      `644 /run/fleet/units/${name}`,
    ]);
    const link = await node.exec('readlink', [`/run/systemd/system/${name}`]);
    expect(link.stdout.trim()).toBe(`/run/fleet/units/${name}`);
    await sd.disable(name);
    await sd.removeUnit(name);
  });

  it('holds exactly two match rules, however many units it watches, across a reconnect', async () => {
    const [sd, proxy] = await viaProxy({ reconnectInitialMs: 20 });
    const names = Array.from({ length: 30 }, (_, i) => unit(`rules${i}`));
    await load(sd, names);
    const seen = new ChangeRecorder(sd, time);
    sd.watch(names);
    for (const name of names) await sd.start(name);
    for (const name of names) await seen.waitFor(name, { active: 'active', sub: 'running' });
    const address = `unix:path=${busSocket}`;
    const first = sd.busName ?? '';
    expect(await connectionStats(address, first)).toEqual({ matchRules: 2, peakMatchRules: 2 });
    proxy.cut();
    await waitUntil(time, 'a new connection', () => sd.connected && sd.busName !== first);
    expect(await connectionStats(address, sd.busName ?? '')).toEqual({
      matchRules: 2,
      peakMatchRules: 2,
    });
    seen.stop();
    for (const name of names) await sd.stop(name);
  });

  it('after a cut connection it reconnects, re-adds its match rules and gets signals again', async () => {
    // No periodic re-read: only signals can report a change made by someone else.
    const [sd, proxy] = await viaProxy({ pollIntervalMs: 3_600_000, reconnectInitialMs: 20 });
    const name = unit('cut');
    await load(sd, [name]);
    const seen = new ChangeRecorder(sd, time);
    sd.watch([name]);
    await seen.waitFor(name, { active: 'inactive' });
    proxy.cut();
    await waitUntil(time, 'a reconnect', () => proxy.connections >= 2 && sd.connected);
    const mark = seen.mark();
    const started = await node.exec('systemctl', ['start', name]);
    expect(started, started.stderr).toMatchObject({ code: 0 });
    await seen.waitFor(name, { active: 'active', sub: 'running' }, mark);
    seen.stop();
  });

  it('notices a wedged bus by its health probe, fails calls retryably, and recovers', async () => {
    const [sd, proxy] = await viaProxy({
      callTimeoutMs: 500,
      healthIntervalMs: 100,
      reconnectInitialMs: 20,
      reconnectMaxMs: 200,
      pollIntervalMs: 3_600_000,
    });
    const name = unit('wedged');
    await load(sd, [name]);
    const seen = new ChangeRecorder(sd, time);
    sd.watch([name]);
    await seen.waitFor(name, { active: 'inactive' });
    proxy.freeze();
    const err: unknown = await sd.unitStates([name]).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true });
    await waitUntil(time, 'the probe to give up on the bus', () => !sd.connected);
    proxy.thaw();
    await eventually(() => sd.unitStates([name]), 'calls to work again');
    const mark = seen.mark();
    await node.exec('systemctl', ['start', name]);
    await seen.waitFor(name, { active: 'active', sub: 'running' }, mark);
    seen.stop();
  });

  it('answers 500 concurrent calls, at most 16 in flight on the bus (counted on the wire)', async () => {
    const counter = await CallCounter.start(busSocket);
    counters.push(counter);
    const sd = await DbusSystemd.connect({ busAddress: counter.address, filesRoot: root });
    opened.push(sd);
    const names = Array.from({ length: 500 }, (_, i) => `fd-${process.pid}-many${i}.service`);
    const results = await Promise.all(names.map((name) => sd.unitStates([name])));
    const loads = results.map((states, i) => states.get(names[i] ?? '')?.load);
    expect(loads).toEqual(names.map(() => 'not-found'));
    // Counted on the wire: method calls sent that still await their reply, at the peak.
    console.log(`[e2e] ${counter.calls} calls, at most ${counter.peakInFlight} in flight`);
    expect(counter.calls).toBeGreaterThanOrEqual(500);
    expect(counter.peakInFlight).toBeGreaterThan(1); // the calls did overlap
    expect(counter.peakInFlight).toBeLessThanOrEqual(16); // and never past the default limit
  });

  it('close() leaves no socket or timer behind', async () => {
    // Every socket and timer created while connected (ref'd or not) must be gone after close().
    const live = new Map<number, string>();
    let tracking = true; // the test's own waiting creates timers after close(): not counted
    const hook = createHook({
      init: (id, type) => {
        if (!tracking) return;
        if (type === 'PIPEWRAP' || type === 'TCPWRAP' || type === 'Timeout') live.set(id, type);
      },
      destroy: (id) => void live.delete(id),
    }).enable();
    try {
      const sd = await DbusSystemd.connect({
        busAddress: `unix:path=${busSocket}`,
        filesRoot: root,
      });
      const name = unit('close');
      sd.watch([name]);
      await sd.unitStates([name]);
      expect([...live.values()]).toContain('PIPEWRAP');
      await sd.close();
      tracking = false;
      await waitUntil(
        time,
        `resources to be released (${[...live.values()].join(', ')})`,
        () => live.size === 0,
      );
    } finally {
      hook.disable();
    }
  });
});

/**
 * A unix-socket proxy in front of the bus that reads the D-Bus wire protocol as it passes: method
 * calls the client sends that expect a reply, replies (returns and errors) it receives, and the
 * peak of calls still waiting for their reply. The authentication lines before BEGIN are skipped.
 */
class CallCounter {
  calls = 0;
  replies = 0;
  peakInFlight = 0;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    private readonly sockets: Set<Socket>,
  ) {}

  get address(): string {
    return `unix:path=${join(this.dir, 'bus')}`;
  }

  static async start(target: string): Promise<CallCounter> {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-bus-count-'));
    const sockets = new Set<Socket>();
    const server = createServer();
    const counter = new CallCounter(server, dir, sockets);
    server.on('connection', (client) => {
      const bus = connect(target);
      for (const s of [client, bus]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      const up = wireReader(true, (type, flags) => {
        if (type === METHOD_CALL && (flags & NO_REPLY_EXPECTED) === 0) counter.calls++;
        counter.peakInFlight = Math.max(counter.peakInFlight, counter.calls - counter.replies);
      });
      const down = wireReader(false, (type) => {
        if (type === METHOD_RETURN || type === ERROR) counter.replies++;
      });
      client.on('data', (chunk: Buffer) => {
        up(chunk);
        bus.write(chunk);
      });
      bus.on('data', (chunk: Buffer) => {
        down(chunk);
        client.write(chunk);
      });
      client.on('close', () => bus.destroy());
      bus.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(join(dir, 'bus'), resolve);
    });
    return counter;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

const METHOD_CALL = 1;
const METHOD_RETURN = 2;
const ERROR = 3;
const NO_REPLY_EXPECTED = 0x1;

/**
 * Feeds one direction of a D-Bus connection; calls `onMessage(type, flags)` per whole message.
 * The client's side starts with a NUL byte and text lines up to `BEGIN`; the bus's side with text
 * lines (`OK …`, `AGREE_UNIX_FD`), which never start with a message's endianness byte `l` or `B`.
 */
function wireReader(
  fromClient: boolean,
  onMessage: (type: number, flags: number) => void,
): (chunk: Buffer) => void {
  let buf = Buffer.alloc(0);
  let authenticating = true;
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (authenticating) {
        if (fromClient && buf[0] === 0) buf = buf.subarray(1);
        const first = buf[0];
        if (first === undefined) return;
        if (!fromClient && (first === 0x6c || first === 0x42)) {
          authenticating = false;
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.subarray(0, eol).toString('latin1');
        buf = buf.subarray(eol + 2);
        if (fromClient && line === 'BEGIN') authenticating = false;
        continue;
      }
      if (buf.length < 16) return;
      const little = buf[0] === 0x6c;
      const u32 = (at: number) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
      const fields = u32(12);
      const size = 16 + Math.ceil(fields / 8) * 8 + u32(4);
      if (buf.length < size) return;
      onMessage(buf[1] ?? 0, buf[2] ?? 0);
      buf = buf.subarray(size);
    }
  };
}
