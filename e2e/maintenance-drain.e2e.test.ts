// Cordon, drain and uncordon on three real machines (docs/operating.md), driven with fleetctl
// inside a machine. What runs is read from systemd in the machines: a cordoned machine gets no
// new unit; a drained machine's instances move away one at a time (UpdateMaxParallel=1), so at
// least N - 1 of the N copies are active throughout; an uncordoned machine takes units again.
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sh, type NspawnMachine } from './src/index.js';

const INSTANCES = [1, 2, 3, 4].map((i) => `drain@${i}.service`);

const TEMPLATE = [
  '[Unit]',
  'Description=drain e2e %i',
  '[Service]',
  'ExecStartPre=/bin/sleep 1',
  "ExecStart=/bin/sh -c 'exec sleep infinity'",
  '[X-Fleet]',
  'UpdateMaxParallel=1',
  'UpdateMinHealthySec=2',
  'UpdateHealthyDeadlineSec=30',
  '',
].join('\n');

const plain = (extra: string[] = []) =>
  ['[Service]', "ExecStart=/bin/sh -c 'exec sleep infinity'", ...extra, ''].join('\n');

/** One look at systemd on every machine: machine ID -> its active units among `units`. */
async function sample(
  machines: readonly NspawnMachine[],
  units: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    machines.map(async (m) => {
      const text = await sh(m, `systemctl show -p Id -p ActiveState ${units.join(' ')}`);
      const active: string[] = [];
      for (const block of text.trim().split(/\n\s*\n/)) {
        const p = new Map(
          block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        if (p.get('ActiveState') === 'active') active.push(p.get('Id') ?? '');
      }
      out.set(m.machineId, active.sort());
    }),
  );
  return out;
}

const count = (s: Map<string, string[]>) => [...s.values()].reduce((n, v) => n + v.length, 0);

describe('machine maintenance: cordon, drain, uncordon', () => {
  let c: Cluster;
  let node1: NspawnMachine;
  let drained = '';

  const fleetctl = (args: string[]) => node1.exec('fleetctl', args, 120_000);
  async function write(name: string, text: string): Promise<void> {
    await sh(node1, `mkdir -p /root/u && cat > /root/u/${name} <<'UNIT'\n${text}UNIT`);
  }

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3 });
    node1 = c.node('node1');
    await write('drain@.service', TEMPLATE);
    await sh(
      node1,
      `cd /root/u && ${INSTANCES.map((u) => `ln -sfn drain@.service ${u}`).join(' && ')}`,
    );
    const r = await fleetctl(['start', ...INSTANCES.map((u) => `/root/u/${u}`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(count(await sample(c.nodes, INSTANCES))).toBe(4);
  });
  afterAll(async () => {
    await c?.teardown();
  });

  it('cordon: a newly started unit avoids the machine', async () => {
    const cordoned = c.nodes[2]?.machineId ?? '';
    let r = await fleetctl(['machine', 'cordon', cordoned.slice(0, 8), '--reason', 'e2e']);
    expect(r.code, r.stderr).toBe(0);
    r = await fleetctl(['list-machines', '--no-legend', '--full', '--fields', 'machine,state']);
    expect(r.stdout).toContain(`${cordoned}\tcordoned`);
    const names = ['c1.service', 'c2.service', 'c3.service'];
    for (const n of names) await write(n, plain());
    r = await fleetctl(['start', ...names.map((n) => `/root/u/${n}`)]);
    expect(r.code, r.stderr).toBe(0);
    const s = await sample(c.nodes, names);
    expect(count(s)).toBe(3);
    expect(s.get(cordoned)).toEqual([]);
    r = await fleetctl(['machine', 'uncordon', cordoned]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('drain: its instances move one at a time, never fewer than N - 1 active', async () => {
    const before = await sample(c.nodes, INSTANCES);
    const [target] = [...before.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    drained = target ?? '';
    expect(before.get(drained)?.length).toBeGreaterThan(0);
    const samples: Map<string, string[]>[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        samples.push(await sample(c.nodes, INSTANCES));
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const r = await fleetctl(['machine', 'drain', drained, '--wait']);
    expect(r.code, r.stderr).toBe(0);
    // Drained means no unit is assigned there any more; the last moved copy may still be starting.
    await waitFor(
      () => samples.length > 0 && count(samples[samples.length - 1] ?? new Map()) === 4,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the 4 copies active again after the drain',
      },
    );
    running = false;
    await loop;
    const after = await sample(c.nodes, INSTANCES);
    expect(after.get(drained)).toEqual([]);
    expect(count(after)).toBe(4);
    const least = Math.min(...samples.map(count));
    console.log(`drain: ${samples.length} systemd samples, fewest active copies ${least}`);
    expect(samples.length).toBeGreaterThan(3);
    expect(least).toBeGreaterThanOrEqual(3);
    const l = await fleetctl([
      'list-machines',
      '--no-legend',
      '--full',
      '--fields',
      'machine,state',
    ]);
    expect(l.stdout).toContain(`${drained}\tdrained`);
  });

  it('uncordon: the machine is schedulable again', async () => {
    let r = await fleetctl(['machine', 'uncordon', drained]);
    expect(r.code, r.stderr).toBe(0);
    await write('back.service', plain(['[X-Fleet]', `MachineID=${drained}`]));
    r = await fleetctl(['start', '/root/u/back.service']);
    expect(r.code, r.stderr).toBe(0);
    expect((await sample(c.nodes, ['back.service'])).get(drained)).toEqual(['back.service']);
  });
});
