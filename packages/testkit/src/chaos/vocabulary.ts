// The fault vocabulary shared by the two chaos tiers: the deterministic simulation
// (packages/sim/src/chaos) and the real end-to-end suite (e2e). A fault kind says what it
// does and, for the invariants, what it may legitimately cause: a machine it isolates may
// keep running units the engine moved away (for the fault's length plus the agent TTL), and
// some faults may stop units (a power cut stops all of them).

/** Every fault either tier can inject. */
export const FAULT_KINDS = [
  'fleetd-kill',
  'fleetd-pause',
  'fleetd-restart',
  'leader-kill',
  'leader-pause',
  'link-cut',
  'link-blackhole',
  'link-delay',
  'etcd-member-kill',
  'etcd-member-pause',
  'compaction',
  'watch-drop',
  'watch-replay',
  'watch-lag',
  'watch-resync',
  'ambiguous-write',
  'failed-write',
  'failed-list',
  'lease-loss',
  'clock-step',
  'systemd-unavailable',
  'systemd-failing-link',
  'systemd-slow-stop',
  'power-cut',
  'machine-id-clash',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a fault's target names. */
export type FaultScope = 'machine' | 'etcd-member' | 'cluster';

/** Which of a machine's units a fault may legitimately stop. */
export type FaultStops =
  /** none: units keep running through it and after it. */
  | 'none'
  /** moved: non-global units the engine moved away while the machine was gone (not globals). */
  | 'moved'
  /** all: every unit of the machine (it lost power). */
  | 'all';

export interface FaultKindInfo {
  readonly kind: FaultKind;
  readonly scope: FaultScope;
  /**
   * The machine's fleetd cannot see or act on the cluster while the fault lasts, so its units
   * may outlive their assignment for the fault's length plus the agent TTL plus slack (the
   * explained overlap of invariant (a); strict mode allows none).
   */
  readonly isolates: boolean;
  readonly stops: FaultStops;
  /**
   * Stop jobs on the machine wait (or cannot be sent): a unit moved away keeps running on it for
   * the fault's length plus the fault's `extendsMs` (a stop queued just before the heal, or the
   * agent's next pass after it).
   */
  readonly delaysStops: boolean;
  /**
   * The machine's watches are silent or late while it lasts: its fleetd (a leader too) acts on
   * an old view until the fault heals or a full re-list repairs it.
   */
  readonly delaysWatches: boolean;
  /** One line for reports. */
  readonly summary: string;
}

const WATCH_DELAYS: ReadonlySet<FaultKind> = new Set([
  'link-cut',
  'link-blackhole',
  'link-delay',
  'watch-drop',
  'watch-replay',
  'watch-lag',
]);

const info = (
  kind: FaultKind,
  scope: FaultScope,
  isolates: boolean,
  stops: FaultStops,
  summary: string,
): FaultKindInfo => ({
  kind,
  scope,
  isolates,
  stops,
  delaysStops: kind === 'systemd-slow-stop' || kind === 'systemd-unavailable',
  delaysWatches: WATCH_DELAYS.has(kind),
  summary,
});

export const FAULTS: Readonly<Record<FaultKind, FaultKindInfo>> = {
  'fleetd-kill': info(
    'fleetd-kill',
    'machine',
    true,
    'moved',
    'fleetd killed (SIGKILL), restarted after the fault; units keep running',
  ),
  'fleetd-pause': info(
    'fleetd-pause',
    'machine',
    true,
    'moved',
    'fleetd paused (SIGSTOP), continued at heal: its timers stop',
  ),
  'fleetd-restart': info(
    'fleetd-restart',
    'machine',
    true,
    'all',
    'fleetd stopped with a drain (its units stopped) and started again',
  ),
  'leader-kill': info(
    'leader-kill',
    'machine',
    true,
    'moved',
    "the engine leader's fleetd killed, restarted at heal",
  ),
  'leader-pause': info(
    'leader-pause',
    'machine',
    true,
    'moved',
    "the engine leader's fleetd paused, continued at heal",
  ),
  'link-cut': info(
    'link-cut',
    'machine',
    true,
    'moved',
    'the machine cannot reach etcd: calls fail, watch events are held',
  ),
  'link-blackhole': info(
    'link-blackhole',
    'machine',
    true,
    'moved',
    'connections stay open but carry nothing: calls time out, watches go silent',
  ),
  'link-delay': info(
    'link-delay',
    'machine',
    true,
    'moved',
    "the machine's link to etcd delays every message",
  ),
  'etcd-member-kill': info(
    'etcd-member-kill',
    'etcd-member',
    false,
    'none',
    'one etcd member killed, restarted at heal',
  ),
  'etcd-member-pause': info(
    'etcd-member-pause',
    'etcd-member',
    false,
    'none',
    'one etcd member paused (SIGSTOP), continued at heal',
  ),
  compaction: info(
    'compaction',
    'cluster',
    false,
    'none',
    'etcd compacted at its current revision: watches behind it must re-list',
  ),
  'watch-drop': info(
    'watch-drop',
    'machine',
    true,
    'moved',
    "the machine's watches deliver nothing, without an error (isolated member)",
  ),
  'watch-replay': info(
    'watch-replay',
    'machine',
    false,
    'none',
    'held watch events replayed in chunks after a reconnect',
  ),
  'watch-lag': info(
    'watch-lag',
    'machine',
    true,
    'moved',
    "the machine's watch events arrive late",
  ),
  'watch-resync': info(
    'watch-resync',
    'machine',
    false,
    'none',
    "the machine's watches end with a resync: the caller must re-list",
  ),
  'ambiguous-write': info(
    'ambiguous-write',
    'machine',
    false,
    'none',
    'a write commits, then its caller sees an error',
  ),
  'failed-write': info(
    'failed-write',
    'machine',
    false,
    'none',
    'the next write fails (Unavailable) and changes nothing',
  ),
  'failed-list': info(
    'failed-list',
    'machine',
    false,
    'none',
    'the next listing fails (Unavailable)',
  ),
  'lease-loss': info(
    'lease-loss',
    'machine',
    true,
    'moved',
    "the machine's lease expires: its record and leadership vanish",
  ),
  'clock-step': info(
    'clock-step',
    'machine',
    false,
    'none',
    "the machine's wall clock jumps (an NTP step)",
  ),
  'systemd-unavailable': info(
    'systemd-unavailable',
    'machine',
    false,
    'none',
    "the machine's systemd (D-Bus) answers nothing",
  ),
  'systemd-failing-link': info(
    'systemd-failing-link',
    'machine',
    false,
    'none',
    "the machine's systemd fails to link unit files",
  ),
  'systemd-slow-stop': info(
    'systemd-slow-stop',
    'machine',
    false,
    'none',
    "the machine's stop jobs take long (TimeoutStopSec)",
  ),
  'machine-id-clash': info(
    'machine-id-clash',
    'machine',
    false,
    'all',
    'a second host runs a fleetd with the same machine ID (a cloned /etc/machine-id); the host goes away at the heal',
  ),
  'power-cut': info(
    'power-cut',
    'machine',
    true,
    'all',
    'the machine loses power: every unit dies, fleetd restarts at heal',
  ),
};
