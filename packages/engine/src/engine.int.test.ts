import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { MachineSession } from '@fleet/registry';
import { EtcdRegistry } from '@fleet/registry/etcd';
import { EtcdCluster, spawnTracked, waitFor, type TrackedProcess } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineRecord, placement, unitInput } from './testing/index.js';

const SCRIPT = fileURLToPath(new URL('./testing/engine-proc.ts', import.meta.url));
const M1 = 'a1000000000000000000000000000001';
const M2 = 'b2000000000000000000000000000002';

/** Starts engine-proc.ts as a real process and collects its stdout lines. */
function proc(mode: string, id: string, endpoints: string[], prefix: string) {
  const p = spawnTracked(
    `engine ${id}`,
    process.execPath,
    ['--conditions=source', '--import', 'tsx', SCRIPT, mode, id, endpoints.join(','), prefix],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  if (p.child.stdout) createInterface({ input: p.child.stdout }).on('line', (l) => lines.push(l));
  p.child.stdin?.on('error', () => undefined);
  return { p, lines };
}

describe('Engine on real etcd, in real processes', () => {
  let etcd: EtcdCluster;
  let registry: EtcdRegistry;
  const procs: TrackedProcess[] = [];
  const sessions: MachineSession[] = [];

  beforeAll(async () => {
    etcd = await EtcdCluster.start();
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await registry?.close();
    await etcd?.stop();
  });

  it('a killed leader is replaced and the new leader finishes scheduling', async () => {
    const prefix = '/kill-test/';
    registry = new EtcdRegistry({ endpoints: etcd.endpoints, prefix });
    for (const id of [M1, M2]) sessions.push(await registry.registerMachine(machineRecord(id), 10));
    for (let i = 0; i < 20; i++) await registry.createUnit(unitInput(`before-${i}.service`));

    const a = proc('engine', 'engine-a', etcd.endpoints, prefix);
    procs.push(a.p);
    await waitFor(() => a.lines.includes('LEADER'), {
      timeoutMs: 30_000,
      what: 'engine A to lead',
    });
    const b = proc('engine', 'engine-b', etcd.endpoints, prefix);
    procs.push(b.p);
    await waitFor(async () => Object.keys(await placement(registry)).length === 20, {
      timeoutMs: 30_000,
      what: 'A to schedule 20 units',
    });
    expect((await registry.getLeader())?.candidateId).toBe('engine-a');

    await a.p.kill(); // power cut: no resignation, the lease must run out
    for (let i = 0; i < 20; i++) await registry.createUnit(unitInput(`after-${i}.service`));
    await waitFor(() => b.lines.includes('LEADER'), {
      timeoutMs: 30_000,
      what: 'engine B to take over',
    });
    await waitFor(async () => Object.keys(await placement(registry)).length === 40, {
      timeoutMs: 30_000,
      what: 'B to schedule the 20 new units',
    });
    const all = (await registry.listAssignments()).items;
    expect(all).toHaveLength(40); // one assignment per unit: nothing doubled across the failover
    expect((await registry.getLeader())?.candidateId).toBe('engine-b');
  });

  it('refuses the write of a leader that was paused (SIGSTOP) while another took over', async () => {
    const prefix = '/pause-test/';
    const reg = new EtcdRegistry({ endpoints: etcd.endpoints, prefix });
    try {
      const old = proc('hold', 'old-leader', etcd.endpoints, prefix);
      procs.push(old.p);
      await waitFor(() => old.lines.find((l) => l.startsWith('TOKEN')), {
        timeoutMs: 30_000,
        what: 'a token',
      });
      old.p.child.stdin?.write('before-pause.service\n');
      await waitFor(() => old.lines.includes('WRITE ok'), {
        timeoutMs: 10_000,
        what: 'a write while leader',
      });

      old.p.signal('SIGSTOP');
      // Its 2 s lease expires while it is frozen; a new leader is elected.
      const fresh = await waitFor(async () => reg.campaign('new-leader', 10), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: 'a new leader',
      });
      old.p.signal('SIGCONT');
      old.p.child.stdin?.write('after-pause.service\n');
      await waitFor(() => old.lines.length >= 3, {
        timeoutMs: 20_000,
        what: "the old leader's second write",
      });
      expect(old.lines[2]).toBe('WRITE REGISTRY_NOT_LEADER');
      const units = (await reg.listAssignments()).items.map((a) => a.unit);
      expect(units).toEqual(['before-pause.service']);
      await fresh.resign();
    } finally {
      await reg.close();
    }
  });
});
