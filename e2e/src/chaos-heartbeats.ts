// What systemd really ran, per machine: every chaos unit is a bash loop that sends the host a UDP
// datagram `<unit> <machine-id> <pid> <uptime>` every 200 ms. The host turns them into run
// intervals: one per (unit, machine, main PID), from its first heartbeat to its last, each
// stamped by the unit itself on the shared kernel clock (so a busy host that reads them late
// does not stretch them). A process that sends nothing for `splitMs` and then again (PID reuse)
// starts a new interval.
import { createSocket, type Socket } from 'node:dgram';
import type { WireUnitOption } from '@fleet/client';
import type { RunInterval } from '@fleet/testkit';
import { fromUptime, mono } from './chaos-clock.js';

/** Heartbeat period of the chaos units. */
export const HEARTBEAT_MS = 200;
/** A unit that beat within this is taken to be running. */
export const HEARTBEAT_OPEN_MS = 4 * HEARTBEAT_MS + 400;

interface Segment {
  unit: string;
  machine: string;
  pid: number;
  from: number;
  last: number;
}

/**
 * The `[Service]` of a chaos unit that beats to `port` on the host. systemd expands `%n` (the
 * unit's name) and `$$` (a literal `$`) in ExecStart=; bash's `/dev/udp` sends the datagram.
 * With `stopMs`, SIGTERM does not end it at once: it keeps beating that long (the unit shows
 * `deactivating`), as a service with a slow shutdown, so that what runs during a stop is seen.
 */
export function heartbeatService(port: number, stopMs = 0): WireUnitOption[] {
  const beats = Math.ceil(stopMs / HEARTBEAT_MS);
  const script =
    'read -r m < /etc/machine-id; ' +
    `b() { read -r up _ < /proc/uptime; echo "%n $$m $$$$ $$up" > /dev/udp/127.0.0.1/${port}; }; ` +
    (beats > 0
      ? `s() { for i in {1..${beats}}; do b; sleep 0.2; done; exit 0; }; trap s TERM; `
      : '') +
    'while :; do b; sleep 0.2; done';
  return [{ section: 'Service', name: 'ExecStart', value: `/bin/bash -c '${script}'` }];
}

export class HeartbeatCollector {
  private readonly open = new Map<string, Segment>();
  private readonly closed: Segment[] = [];
  /** Datagrams that did not parse (should stay 0). */
  malformed = 0;
  received = 0;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly splitMs: number,
  ) {}

  static async start(splitMs = 5_000): Promise<HeartbeatCollector> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '127.0.0.1', port: 0 }, () => resolve());
    });
    socket.setRecvBufferSize(4 * 1024 * 1024);
    const c = new HeartbeatCollector(socket, socket.address().port, splitMs);
    socket.on('message', (msg) => c.beat(msg.toString('utf8')));
    return c;
  }

  private beat(line: string): void {
    const [unit, machine, pidText, up] = line.trim().split(/\s+/);
    const pid = Number(pidText);
    const at = fromUptime(Number(up));
    if (unit === undefined || machine === undefined || !Number.isFinite(pid) || !(at > 0)) {
      this.malformed++;
      return;
    }
    this.received++;
    const key = `${unit} ${machine} ${pid}`;
    const s = this.open.get(key);
    if (s !== undefined && at - s.last <= this.splitMs) {
      s.last = Math.max(s.last, at);
      return;
    }
    if (s !== undefined) this.closed.push(s);
    this.open.set(key, { unit, machine, pid, from: at, last: at });
  }

  /**
   * The run intervals so far, as of `now`: a process that beat within `openMs` is still running
   * (its interval has no end); any other ended between its last heartbeat and the next one it
   * would have sent, and is taken to end at that next one (a stop caused by a write lands after
   * the write began, which may be after the last heartbeat).
   */
  runs(now = mono(), openMs = HEARTBEAT_OPEN_MS): RunInterval[] {
    const out: RunInterval[] = [];
    const add = (s: Segment, running: boolean) =>
      out.push({
        unit: s.unit,
        machine: s.machine,
        from: s.from,
        pid: s.pid,
        ...(running ? {} : { to: s.last + HEARTBEAT_MS }),
      });
    for (const s of this.closed) add(s, false);
    for (const s of this.open.values()) add(s, now - s.last <= openMs);
    return out.sort((a, b) => a.from - b.from || (a.unit < b.unit ? -1 : 1));
  }

  /** Units beating on `machine` now. */
  runningOn(machine: string, now = mono()): string[] {
    return this.runs(now)
      .filter((r) => r.machine === machine && r.to === undefined)
      .map((r) => r.unit);
  }

  private listening = true;

  /** Stops listening (idempotent); the runs seen so far stay readable. */
  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
