// The Watch stream's options and watchdog, against a scripted gRPC call on a manual clock: the
// stream carries etcd's require-leader metadata, a silent stream is probed with a progress
// request and failed if that goes unanswered, and etcd's answers to our probes never reach etcd3.
import { Metadata, status, type InterceptorOptions } from '@grpc/grpc-js';
import { ManualClock } from '@fleet/runtime';
import type { CallContext } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { callOptions } from './etcd-client.js';
import { isProbeAnswer, REQUIRE_LEADER, WatchStreamMonitor } from './etcd-watch-stream.js';

type Listener = {
  onReceiveMessage?: (msg: unknown) => void;
  onReceiveStatus?: (st: { code: number; details: string; metadata: Metadata }) => void;
};

/** The gRPC call under the interceptor, recording what it is asked to do. */
function scriptedCall() {
  const call = {
    metadata: undefined as Metadata | undefined,
    listener: undefined as Listener | undefined,
    sent: [] as unknown[],
    cancelled: [] as { code: number; details: string }[],
    start(metadata: Metadata, listener?: Listener) {
      call.metadata = metadata;
      call.listener = listener;
    },
    sendMessage(message: unknown) {
      call.sent.push(message);
    },
    sendMessageWithContext(_ctx: unknown, message: unknown) {
      call.sent.push(message);
    },
    cancelWithStatus(code: number, details: string) {
      call.cancelled.push({ code, details });
      call.listener?.onReceiveStatus?.({ code, details, metadata: new Metadata() });
    },
    getPeer: () => 'etcd',
    startRead() {},
    halfClose() {},
    getAuthContext: () => null,
    /** etcd sends a message down the stream. */
    receive(msg: unknown) {
      call.listener?.onReceiveMessage?.(msg);
    },
  };
  return call;
}

/** Starts a watch call through the monitor's interceptor; returns the call and what etcd3 got. */
function startWatch(monitor: WatchStreamMonitor) {
  const inner = scriptedCall();
  const outer = monitor.interceptor({} as InterceptorOptions, () => inner);
  const delivered: unknown[] = [];
  const statuses: number[] = [];
  outer.start(new Metadata(), {
    onReceiveMessage: (m: unknown) => delivered.push(m),
    onReceiveStatus: (s: { code: number }) => statuses.push(s.code),
  });
  return { inner, delivered, statuses };
}

const event = (rev: string) => ({
  watch_id: '0',
  created: false,
  canceled: false,
  events: [{}],
  header: { revision: rev },
});
const created = { watch_id: '0', created: true, canceled: false, events: [] };
const progressAnswer = { watch_id: '-1', created: false, canceled: false, events: [] };

describe('the etcd Watch stream', () => {
  it('requires a leader on the Watch stream only, and keeps deadlines on unary calls', () => {
    const monitor = new WatchStreamMonitor({ clock: new ManualClock() });
    const ctx = (service: string, isStream: boolean) =>
      ({ service, method: 'm', isStream }) as unknown as CallContext;
    expect(callOptions(ctx('Watch', true), 5_000, monitor.interceptor)).toEqual({
      interceptors: [monitor.interceptor],
    });
    expect(callOptions(ctx('Lease', true), 5_000, monitor.interceptor)).toEqual({});
    expect(callOptions(ctx('KV', false), 5_000, monitor.interceptor)).toHaveProperty('deadline');
    const { inner } = startWatch(monitor);
    expect(inner.metadata?.get(REQUIRE_LEADER[0])).toEqual(['true']);
    expect(REQUIRE_LEADER).toEqual(['hasleader', 'true']);
    monitor.close();
  });

  it('probes a silent stream with a progress request, and fails it if that goes unanswered', () => {
    const clock = new ManualClock();
    const resets: string[] = [];
    const monitor = new WatchStreamMonitor({
      clock,
      idleMs: 60_000,
      probeTimeoutMs: 10_000,
      onReset: (r) => resets.push(r),
    });
    const { inner, delivered, statuses } = startWatch(monitor);
    clock.advance(30_000);
    inner.receive(created);
    inner.receive(event('5')); // a live stream: the silence starts again
    clock.advance(59_999);
    expect(inner.sent).toEqual([]);
    clock.advance(1);
    expect(inner.sent).toEqual([{ progress_request: {} }]);
    // etcd answers: the stream is alive. The answer goes up (dropping it would stall the stream)
    // addressed to a watcher etcd3 knows (it throws on watch_id -1), marked as a probe answer.
    inner.receive(progressAnswer);
    expect(delivered).toMatchObject([created, event('5'), { ...progressAnswer, watch_id: '0' }]);
    expect(delivered.map((m) => isProbeAnswer(m as object))).toEqual([false, false, true]);
    clock.advance(10_000);
    expect(inner.cancelled).toEqual([]);
    // Silence again, and this time the probe is not answered: the stream is failed UNAVAILABLE,
    // which etcd3 takes as a disconnect and answers by re-creating it.
    clock.advance(50_000);
    expect(inner.sent).toHaveLength(2);
    clock.advance(9_999);
    expect(inner.cancelled).toEqual([]);
    clock.advance(1);
    expect(inner.cancelled.map((c) => c.code)).toEqual([status.UNAVAILABLE]);
    expect(statuses).toEqual([status.UNAVAILABLE]);
    expect(resets).toHaveLength(1);
    expect(monitor.stats).toEqual({ probes: 2, answers: 1, resets: 1, reauths: 0 });
    expect(clock.pendingTimers).toBe(0);
    // The re-created stream is watched afresh; while etcd has not confirmed any watcher on it
    // there is nothing to address an answer to, so it is not probed, but still failed if silent.
    const next = startWatch(monitor);
    clock.advance(70_000);
    expect(next.inner.sent).toEqual([]);
    expect(next.inner.cancelled.map((c) => c.code)).toEqual([status.UNAVAILABLE]);
    const third = startWatch(monitor);
    third.inner.receive(created);
    clock.advance(60_000);
    expect(third.inner.sent).toEqual([{ progress_request: {} }]);
    monitor.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops watching a stream that ended', () => {
    const clock = new ManualClock();
    const monitor = new WatchStreamMonitor({ clock });
    const { inner } = startWatch(monitor);
    inner.listener?.onReceiveStatus?.({
      code: status.CANCELLED,
      details: '',
      metadata: new Metadata(),
    });
    expect(clock.pendingTimers).toBe(0);
    clock.advance(600_000);
    expect(inner.sent).toEqual([]);
  });
  it('fails the stream after a new login when etcd refuses its auth token', () => {
    const monitor = new WatchStreamMonitor({
      clock: new ManualClock(),
      onTokenRejected: () => logins.push('login'),
    });
    const logins: string[] = [];
    const { inner, delivered, statuses } = startWatch(monitor);
    inner.receive(created);
    inner.receive(event('5'));
    // A watch created on the stream after the token expired (or etcd restarted): etcd cancels it.
    const rejected = {
      watch_id: '1',
      created: true,
      canceled: true,
      cancel_reason: 'rpc error: code = Unauthenticated desc = etcdserver: invalid auth token',
      events: [],
    };
    inner.receive(rejected);
    // etcd3 sees the cancel (that watcher's error), then the stream fails UNAVAILABLE (etcd3
    // re-creates it, unstalling its queue of creates) after etcd3 was told to log in again.
    expect(delivered).toEqual([created, event('5'), rejected]);
    expect(logins).toEqual(['login']);
    expect(inner.cancelled.map((c) => c.code)).toEqual([status.UNAVAILABLE]);
    expect(statuses).toEqual([status.UNAVAILABLE]);
    expect(monitor.stats.reauths).toBe(1);
    // Another cancel (a compaction, say) goes up as before.
    const other = startWatch(monitor);
    const compacted = {
      watch_id: '0',
      created: false,
      canceled: true,
      cancel_reason: 'compacted',
      events: [],
    };
    other.inner.receive(compacted);
    expect(other.delivered).toEqual([compacted]);
    expect(logins).toHaveLength(1);
    monitor.close();
  });
});
