// Faults: the engine leader's fleetd SIGKILLed (→ a new unit started through another machine
// active; → a new leader key), and a machine powered off (SIGKILL to its PID 1 → each of its units
// active elsewhere). Times from the kill (host CLOCK_MONOTONIC) to systemd's
// ActiveEnterTimestampMonotonic.
import { sleep, waitFor } from '@fleet/testkit';
import type { Cluster, NspawnMachine } from '../src/index.js';
import {
  activeEnter,
  activeOn,
  DEADLINE_MS,
  fleetctlStart,
  leaderNode,
  median,
  mono,
  POLL_MS,
  settled,
  sinceT0,
} from './cluster-probes.js';

export interface Failover {
  unit: number;
  leader: number;
  same: boolean;
}

export async function oneFailover(c: Cluster, unitDir: string, k: number): Promise<Failover> {
  await settled(c);
  await sleep(1_000);
  const old = await leaderNode(c);
  const oldToken = (await c.registry.getLeader())?.token;
  const via = c.nodes.find((n) => n !== old && n.running);
  if (via === undefined) throw new Error('no other machine');
  const unit = `failover-${k}.service`;
  await c.killFleet(old.name);
  const killed = mono();
  const newLeader = waitFor(
    async () => {
      const l = await c.registry.getLeader();
      return l !== undefined && l.token !== oldToken
        ? ([mono(), l.candidateId] as const)
        : undefined;
    },
    { timeoutMs: DEADLINE_MS, intervalMs: POLL_MS, what: 'a new engine leader' },
  );
  newLeader.catch(() => undefined); // awaited below; not unhandled if the start fails first
  await fleetctlStart(c, via.name, unitDir, unit);
  const m = await activeOn(c, unit);
  const unitMs = await sinceT0(m, unit, killed);
  const [at, who] = await newLeader;
  return { unit: unitMs, leader: at - killed, same: who === old.machineId };
}

export interface PowerOff {
  units: number;
  first: number;
  median: number;
  last: number;
}

export async function onePowerOff(c: Cluster, say: (line: string) => void): Promise<PowerOff> {
  await settled(c);
  await sleep(1_000);
  const leader = await leaderNode(c);
  const { items } = await c.registry.listUnitStates();
  // The machine (not the engine leader's, so only the agent TTL is measured) with most units.
  const victim = c.nodes
    .filter((n) => n.running && n !== leader)
    .map((n) => ({
      n,
      units: items
        .filter((s) => s.machineId === n.machineId && s.activeState === 'active')
        .map((s) => s.unit),
    }))
    .sort((a, b) => b.units.length - a.units.length)[0];
  if (victim === undefined || victim.units.length === 0)
    throw new Error('no machine with units to power off');
  say(`power-off: ${victim.n.name} with ${victim.units.length} units`);
  const t0 = mono();
  await c.powerOff(victim.n.name);
  const moved = new Map<string, NspawnMachine>();
  await waitFor(
    async () => {
      const st = (await c.registry.listUnitStates()).items;
      for (const u of victim.units) {
        const s = st.find(
          (x) => x.unit === u && x.activeState === 'active' && x.machineId !== victim.n.machineId,
        );
        const m = c.nodes.find((n) => n.machineId === s?.machineId);
        if (m !== undefined) moved.set(u, m);
      }
      return moved.size === victim.units.length;
    },
    {
      timeoutMs: DEADLINE_MS,
      intervalMs: POLL_MS * 5,
      what: `${victim.n.name}'s units to be active elsewhere`,
    },
  );
  const times: number[] = [];
  for (const m of new Set(moved.values())) {
    const us = [...moved].filter(([, x]) => x === m).map(([u]) => u);
    for (const at of (await activeEnter(m, us)).values()) times.push(at - t0);
  }
  say(`power-on: ${victim.n.name}`);
  await c.powerOn(victim.n.name);
  return {
    units: times.length,
    first: Math.min(...times),
    median: median(times),
    last: Math.max(...times),
  };
}
