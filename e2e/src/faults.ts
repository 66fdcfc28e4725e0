// Checks for fault tests on a Cluster: that every etcd member holds the same data, that fleet's
// view agrees with itself and with each machine's systemd, and load on the API while a fault
// happens (reads on every machine, or unit creations) with what it answered.
import type { WireUnitOption } from '@fleet/client';
import type { EtcdMember } from '@fleet/testkit';
import { sleep, waitFor } from '@fleet/testkit';
import type { Cluster } from './cluster.js';

/** A unit that runs a shell loop, with `[X-Fleet]` lines such as `Conflicts=web.*`. */
export function loopUnit(
  name: string,
  xfleet: readonly string[] = [],
): { name: string; options: WireUnitOption[] } {
  return {
    name,
    options: [
      {
        section: 'Service',
        name: 'ExecStart',
        value: `/bin/sh -c "while true; do echo ${name}; sleep 1; done"`,
      },
      ...xfleet.map((l) => ({
        section: 'X-Fleet',
        name: l.slice(0, l.indexOf('=')),
        value: l.slice(l.indexOf('=') + 1),
      })),
    ],
  };
}

/** What a load on the API saw: failures (with when and where) and a one-line summary. */
export interface LoadResult {
  readonly failures: string[];
  /** Units whose creation was acknowledged (only for `createLoad`). */
  readonly acked: string[];
  readonly summary: string;
}

/** Runs `step(i)` round after round, every `pauseMs`, until `stop()`; counts failures. */
function load(step: (i: number) => Promise<string | undefined>, pauseMs: number) {
  let done = false;
  let requests = 0;
  let slowest = 0;
  const failures: string[] = [];
  const acked: string[] = [];
  const loop = (async () => {
    for (let i = 0; !done; i++) {
      const t = Date.now();
      try {
        const ok = await step(i);
        if (ok !== undefined) acked.push(ok);
      } catch (err) {
        failures.push(`#${i} at ${new Date().toISOString()}: ${(err as Error).message}`);
      }
      requests++;
      slowest = Math.max(slowest, Date.now() - t);
      await sleep(pauseMs);
    }
  })();
  return {
    async stop(): Promise<LoadResult> {
      done = true;
      await loop;
      const summary = `${requests} rounds, slowest ${slowest} ms, ${failures.length} failed`;
      return { failures, acked, summary };
    },
  };
}

/** Lists units on every machine's API at once, every 200 ms, until `stop()`. */
export function readLoad(c: Cluster) {
  return load(async () => {
    await Promise.all(
      c.nodes.map(async (m) => {
        try {
          await c.api(m.name).listUnits();
        } catch (err) {
          throw new Error(`${m.name}: ${(err as Error).message}`, { cause: err });
        }
      }),
    );
    return undefined;
  }, 200);
}

/** Creates `<prefix>.<i>.service` (launched) through each machine's API in turn until `stop()`. */
export function createLoad(c: Cluster, prefix: string) {
  return load(async (i) => {
    const name = `${prefix}.${i}.service`;
    const via = c.nodes[i % c.nodes.length]?.name ?? 'node1';
    await c.api(via).createUnit({ ...loopUnit(name), desiredState: 'launched' });
    return name;
  }, 250);
}

/**
 * Every running etcd member holds the same keys, revisions and values under the cluster's prefix,
 * read locally (serializable) from each member at one revision all of them have applied.
 */
export async function etcdAgrees(
  c: Cluster,
  timeoutMs = 30_000,
): Promise<{ revision: number; keys: number }> {
  const members = c.etcd.members.filter((m) => m.running);
  const post = async (m: EtcdMember, path: string, body: unknown) => {
    const res = await fetch(`${m.clientUrl}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) throw new Error(`etcd ${m.name} ${path}: ${res.status}`);
    return (await res.json()) as {
      header?: { revision?: string };
      kvs?: { key: string; value?: string; mod_revision?: string }[];
    };
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const last = c.prefix.charCodeAt(c.prefix.length - 1);
  const end = c.prefix.slice(0, -1) + String.fromCharCode(last + 1);
  return waitFor(
    async () => {
      const status = await Promise.all(members.map((m) => post(m, '/v3/maintenance/status', {})));
      const revision = Math.min(...status.map((s) => Number(s.header?.revision)));
      const views = await Promise.all(
        members.map(async (m) => {
          const r = await post(m, '/v3/kv/range', {
            key: b64(c.prefix),
            range_end: b64(end),
            revision,
            serializable: true,
          });
          return JSON.stringify((r.kvs ?? []).map((kv) => [kv.key, kv.mod_revision, kv.value]));
        }),
      );
      if (views.some((v) => v !== views[0])) return undefined;
      return { revision, keys: (JSON.parse(views[0] ?? '[]') as unknown[]).length };
    },
    { timeoutMs, intervalMs: 200, what: 'every etcd member to hold the same data' },
  );
}

/** Per machine name, the units its systemd runs as active. */
async function activeUnits(c: Cluster): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const m of c.nodes) {
    if (!m.running) continue;
    const r = await m.exec('systemctl', [
      'list-units',
      '--state=active',
      '--no-legend',
      '--plain',
      '--type=service',
    ]);
    out.set(m.name, new Set(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '')));
  }
  return out;
}

/**
 * fleet's view agrees with itself and with systemd, for every launched unit in etcd: assigned to
 * exactly one machine (a global unit to every machine), its state published as active by each
 * machine it is assigned to, and active in exactly those machines' systemd. Waits until it does.
 */
export async function fleetConsistent(
  c: Cluster,
  { global = [], timeoutMs = 30_000 }: { global?: readonly string[]; timeoutMs?: number } = {},
): Promise<number> {
  const nameOf = (id: string) => c.nodes.find((m) => m.machineId === id)?.name ?? id;
  return waitFor(
    async () => {
      const machines = (await c.registry.listMachines()).items;
      if (machines.length !== c.nodes.length)
        throw new Error(`${machines.length} machines registered`);
      const units = (await c.registry.listUnits()).items;
      const assigned = (await c.registry.listAssignments()).items;
      const states = (await c.registry.listUnitStates()).items;
      const active = await activeUnits(c);
      for (const u of units) {
        if (u.desiredState !== 'launched') continue;
        const at = assigned
          .filter((a) => a.unit === u.name)
          .map((a) => nameOf(a.machineId))
          .sort();
        const want = global.includes(u.name) ? c.nodes.length : 1;
        if (at.length !== want) throw new Error(`${u.name} assigned to ${at.join() || 'none'}`);
        const running = [...active].filter(([, s]) => s.has(u.name)).map(([n]) => n);
        if (running.sort().join() !== at.join())
          throw new Error(`${u.name} active on ${running.join() || 'none'}, assigned ${at.join()}`);
        const published = states
          .filter((s) => s.unit === u.name && s.activeState === 'active')
          .map((s) => nameOf(s.machineId))
          .sort();
        if (published.join() !== at.join())
          throw new Error(`${u.name}: active state published by ${published.join() || 'none'}`);
      }
      const stray = assigned.filter((a) => !units.some((u) => u.name === a.unit));
      if (stray.length > 0) throw new Error(`assignments of no unit: ${stray.map((a) => a.unit)}`);
      return units.length;
    },
    { timeoutMs, intervalMs: 500, what: 'fleet to agree with itself and with systemd' },
  );
}
