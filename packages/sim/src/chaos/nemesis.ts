// Applies and heals the faults of a schedule on the simulated world, and records each in the
// history (apply and heal, with the machine it hit).
import { Keys } from '@fleet/registry';
import type { FaultKind } from '@fleet/testkit';
import type { FaultyKv } from './faulty-kv.js';
import { MemorySessionStore, TIMINGS } from './fleetd.js';
import type { PlannedFault } from './schedule.js';
import type { SimMachine } from './machine.js';
import type { World } from './world.js';

const keys = new Keys();

/** A fault in force: `heal()` ends it and returns false while it cannot yet (a drain running). */
export interface ActiveFault {
  readonly kind: FaultKind;
  heal(): boolean;
}

/** Applies `f`; undefined if it has nothing to hit (no leader, or the machine's fleetd is down). */
export function applyFault(world: World, f: PlannedFault): ActiveFault | undefined {
  const now = () => world.clock.now();
  const machine: SimMachine | undefined =
    f.target === 'leader'
      ? world.leaderMachine()
      : typeof f.target === 'number'
        ? world.machines[f.target]
        : undefined;
  const fleetd = machine?.fleetd;
  const alive = fleetd !== undefined && !fleetd.dead;
  const needsFleetd = f.target !== 'client' && f.target !== 'cluster';
  if (needsFleetd && (!alive || machine === undefined)) return undefined;
  const kv: FaultyKv | undefined = f.target === 'client' ? world.client.kv : fleetd?.kv;
  const record = (more: { detail?: string; extendsMs?: number } = {}) =>
    world.recorder.applyFault(now(), f.kind, machine?.id ?? String(f.target), {
      ...(machine === undefined ? {} : { machine: machine.id }),
      ...more,
    });
  const instant = (act: () => void, detail?: string): ActiveFault => {
    const id = record(detail === undefined ? {} : { detail });
    act();
    world.recorder.healFault(now(), id);
    return { kind: f.kind, heal: () => true };
  };
  const windowed = (
    act: () => void,
    undo: () => void,
    more: { detail?: string; extendsMs?: number } = {},
  ): ActiveFault => {
    const id = record(more);
    act();
    let healed = false;
    return {
      kind: f.kind,
      heal: () => {
        if (!healed) {
          healed = true;
          undo();
          world.recorder.healFault(now(), id);
        }
        return true;
      },
    };
  };
  switch (f.kind) {
    case 'fleetd-kill':
    case 'leader-kill':
      return windowed(
        () => fleetd?.kill(),
        () => machine && world.boot(machine),
      );
    case 'fleetd-pause':
    case 'leader-pause':
      return windowed(
        () => fleetd?.pause(),
        () => fleetd?.resume(),
      );
    case 'power-cut': {
      return windowed(
        () => {
          fleetd?.kill();
          if (machine === undefined) return;
          void machine.fake.close();
          machine.fake = machine.newSystemd(); // /run is gone: no unit runs, no file is left
          machine.sessions = new MemorySessionStore();
        },
        () => machine && world.boot(machine),
      );
    }
    case 'fleetd-restart': {
      const id = record();
      let drained = false;
      void fleetd?.drain().then(() => (drained = true));
      let healed = false;
      return {
        kind: f.kind,
        heal: () => {
          if (healed) return true;
          if (!drained || machine === undefined) return false;
          healed = true;
          world.boot(machine);
          world.recorder.healFault(now(), id);
          return true;
        },
      };
    }
    case 'link-cut':
    case 'link-blackhole':
      return windowed(
        () => kv?.setMode(f.kind === 'link-cut' ? 'cut' : 'blackhole'),
        () => {
          kv?.setMode('ok');
          kv?.release(f.amount, 100);
        },
      );
    case 'link-delay':
      return windowed(
        () => kv && (kv.lagMs = f.amount),
        () => kv && (kv.lagMs = 0),
        { detail: `${f.amount} ms`, extendsMs: f.amount },
      );
    case 'watch-lag':
      return windowed(
        () => kv && (kv.eventLagMs = f.amount),
        () => kv && (kv.eventLagMs = 0),
        { detail: `${f.amount} ms`, extendsMs: f.amount },
      );
    case 'watch-drop':
      return windowed(
        () => kv && (kv.silent = true),
        () => kv && (kv.silent = false),
        { detail: 'events lost', extendsMs: TIMINGS.agentRelistMs },
      );
    case 'watch-replay':
      return windowed(
        () => kv && (kv.holdEvents = true),
        () => {
          if (kv === undefined) return;
          kv.holdEvents = false;
          kv.release(f.amount, 100);
        },
        { detail: `chunks of ${f.amount}` },
      );
    case 'watch-resync':
      return instant(() => kv?.resyncWatches('compacted (simulated)'));
    case 'compaction': {
      return instant(() => void world.compact());
    }
    case 'ambiguous-write':
      return windowed(
        () => {
          if (kv === undefined) return;
          kv.ambiguous = f.amount;
          kv.ambiguousPrefix = keys.prefix + f.scope;
        },
        () => kv && (kv.ambiguous = 0),
        { detail: `next ${f.amount} writes of ${f.scope}` },
      );
    case 'failed-write':
      return windowed(
        () => kv && (kv.failWrites = f.amount),
        () => kv && (kv.failWrites = 0),
        { detail: `next ${f.amount} writes` },
      );
    case 'failed-list':
      return windowed(
        () => {
          if (kv === undefined) return;
          kv.failLists = f.amount;
          kv.failListPrefix = f.scope === '' ? undefined : keys.prefix + f.scope;
        },
        () => kv && (kv.failLists = 0),
        { detail: `next ${f.amount} lists of ${f.scope === '' ? 'anything' : f.scope}` },
      );
    case 'lease-loss':
      return instant(() => void world.expireLeases(kv?.leaseIds() ?? []));
    case 'clock-step':
      return instant(() => fleetd?.clock.step(f.amount), `+${f.amount} ms`);
    case 'systemd-unavailable':
      return windowed(
        () => fleetd && (fleetd.bus.unavailable = true),
        () => fleetd && (fleetd.bus.unavailable = false),
        { extendsMs: TIMINGS.agentReconcileMs }, // the stop waits for the agent's next pass
      );
    case 'systemd-failing-link':
      return windowed(
        () => fleetd && (fleetd.bus.failingLink = true),
        () => fleetd && (fleetd.bus.failingLink = false),
      );
    case 'systemd-slow-stop':
      return windowed(
        () => fleetd && (fleetd.bus.slowStopMs = f.amount),
        () => fleetd && (fleetd.bus.slowStopMs = 0),
        { detail: `stops wait ${f.amount} ms`, extendsMs: f.amount },
      );
    case 'machine-id-clash': {
      if (machine === undefined) return undefined;
      const clone = world.clone(machine);
      const id = world.recorder.applyFault(now(), f.kind, machine.id, { machine: clone.host });
      return {
        kind: f.kind,
        heal: () => {
          clone.end();
          world.recorder.healFault(now(), id);
          return true;
        },
      };
    }
    case 'etcd-member-kill':
    case 'etcd-member-pause':
      return undefined; // one in-memory store: no members (the e2e tier has them)
  }
}
