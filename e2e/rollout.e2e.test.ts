// Deploys on three real machines, driven as CI would drive them: `fleetctl apply` of a directory
// inside a machine, against its local fleetd. What runs is read from systemd in the machines, not
// from fleet's state: a template's 6 instances rolled 2 at a time keep at least 4 copies active;
// a version whose health check fails is rolled back by itself and `apply --wait` says why; the
// engine leader's fleetd killed mid-rollout does not stop it; a global unit rolls machine by
// machine; a plan's revision refuses an apply after a concurrent change.
import { waitFor } from '@fleet/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sh, type NspawnMachine } from './src/index.js';

const INSTANCES = [1, 2, 3, 4, 5, 6].map((i) => `roll@${i}.service`);
const MACHINES = 3;

/** The template at `version`; `check` is its health check command. */
function template(version: number, check = '/bin/true', minHealthySec = 3): string {
  return [
    '[Unit]',
    `Description=rollout e2e %i v${version}`,
    '[Service]',
    `Environment=VERSION=${version}`,
    // A new copy takes a second to start: replaced copies are seen not active for a while.
    'ExecStartPre=/bin/sleep 1',
    "ExecStart=/bin/sh -c 'exec sleep infinity'",
    '[X-Fleet]',
    'UpdateMaxParallel=2',
    `UpdateMinHealthySec=${minHealthySec}`,
    'UpdateHealthyDeadlineSec=30',
    `HealthCheckCommand=${check}`,
    'HealthCheckIntervalSec=1',
    '',
  ].join('\n');
}

function globalUnit(version: number): string {
  return [
    '[Unit]',
    `Description=global rollout e2e v${version}`,
    '[Service]',
    `Environment=VERSION=${version}`,
    "ExecStart=/bin/sh -c 'exec sleep infinity'",
    '[X-Fleet]',
    'Global=true',
    'UpdateMaxParallel=1',
    'UpdateMinHealthySec=2',
    '',
  ].join('\n');
}

/** One look at systemd on every machine: unit -> versions of its active copies. */
async function sample(
  machines: readonly NspawnMachine[],
  units: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  await Promise.all(
    machines.map(async (m) => {
      if (!m.running) return;
      const text = await sh(
        m,
        `systemctl show -p Id -p ActiveState -p Environment ${units.join(' ')}`,
      );
      for (const block of text.trim().split(/\n\s*\n/)) {
        const p = new Map(
          block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        if (p.get('ActiveState') !== 'active') continue;
        const version = /VERSION=(\d+)/.exec(p.get('Environment') ?? '')?.[1] ?? '?';
        const unit = p.get('Id') ?? '';
        out.set(unit, [...(out.get(unit) ?? []), version]);
      }
    }),
  );
  return out;
}

/** Samples systemd every 250 ms until `stop()`; returns every sample. */
function sampler(c: Cluster, units: readonly string[]) {
  const samples: Map<string, string[]>[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      samples.push(await sample(c.nodes, units));
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

const copies = (s: Map<string, string[]>) => [...s.values()].reduce((n, v) => n + v.length, 0);
const versionsIn = (s: Map<string, string[]>) => new Set([...s.values()].flat());

describe('deploys: plan, apply, rolling updates with health gates, rollback', () => {
  let c: Cluster;
  let node1: NspawnMachine;

  /** Writes the deploy directory in node1: the template and 6 instance links. */
  async function writeDeploy(text: string): Promise<void> {
    await sh(
      node1,
      [
        'set -e',
        'mkdir -p /root/deploy',
        `cat > /root/deploy/roll@.service <<'UNIT'\n${text}UNIT`,
        'cd /root/deploy',
        ...INSTANCES.map((u) => `ln -sfn roll@.service ${u}`),
      ].join('\n'),
    );
  }

  async function fleetctl(args: string[], timeoutMs = 240_000) {
    return node1.exec('fleetctl', args, timeoutMs);
  }

  const rollout = async (group: string) =>
    JSON.parse((await sh(node1, `fleetctl rollout status ${group} -o json`)).trim()) as {
      state: string;
      reason?: string;
      copies: { phase: string; replacedAt?: string; healthySince?: string; machineId: string }[];
    };

  beforeAll(async () => {
    c = await Cluster.start({ machines: MACHINES });
    node1 = c.node('node1');
    await writeDeploy(template(1));
    const r = await fleetctl(['apply', '--wait', '/root/deploy']);
    expect(r.stderr).toContain('All changes are live');
    expect(r.code).toBe(0);
    const s = await sample(c.nodes, INSTANCES);
    expect(copies(s)).toBe(6);
  });
  afterAll(async () => {
    await c?.teardown();
  });

  it('plan shows the change; apply --wait rolls 6 instances 2 at a time, never fewer than 4 active', async () => {
    await writeDeploy(template(2));
    const plan = await fleetctl(['plan', '/root/deploy']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('VERSION=2');
    const watch = sampler(c, INSTANCES);
    const r = await fleetctl(['apply', '--wait', '/root/deploy']);
    const samples = await watch.stop();
    expect(r.code).toBe(0);
    const least = Math.min(...samples.map(copies));
    console.log(`rolling update: ${samples.length} systemd samples, fewest active copies ${least}`);
    expect(samples.length).toBeGreaterThan(5);
    expect(least).toBeGreaterThanOrEqual(4);
    // Both versions ran side by side at some point: copies were replaced in waves, not at once.
    expect(samples.some((s) => versionsIn(s).size === 2)).toBe(true);
    const after = await sample(c.nodes, INSTANCES);
    expect([...after.values()].flat()).toEqual(['2', '2', '2', '2', '2', '2']);
    expect((await rollout('roll@.service')).state).toBe('succeeded');
    // A second apply changes nothing.
    expect((await fleetctl(['plan', '/root/deploy'])).code).toBe(0);
  });

  it('a version whose health check fails is rolled back by itself; apply --wait exits non-zero with the reason', async () => {
    await writeDeploy(template(3, '/bin/false'));
    const watch = sampler(c, INSTANCES);
    const r = await fleetctl(['apply', '--wait', '--wait-timeout', '3m', '/root/deploy']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/health/i);
    // apply --wait ends as soon as the rollout fails; putting the copies back takes a moment more.
    await waitFor(async () => (await rollout('roll@.service')).state === 'rolled-back', {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the rollout to be rolled back',
    });
    expect((await rollout('roll@.service')).reason).toMatch(/health/i);
    await waitFor(
      async () => {
        const s = await sample(c.nodes, INSTANCES);
        return copies(s) === 6 && [...s.values()].flat().every((v) => v === '2');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'all 6 copies back on version 2' },
    );
    const samples = await watch.stop();
    expect(Math.min(...samples.map(copies))).toBeGreaterThanOrEqual(4);
  });

  it("the engine leader's fleetd killed mid-rollout: the rollout completes", async () => {
    await writeDeploy(template(4, '/bin/true', 6));
    const r = await fleetctl(['apply', '/root/deploy']);
    expect(r.code).toBe(0);
    await waitFor(
      async () => {
        const s = await rollout('roll@.service');
        return s.state === 'running' && s.copies.some((x) => x.phase === 'done');
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'the rollout to be under way' },
    );
    const leader = await c.registry.getLeader();
    const victim = c.nodes.find((m) => m.machineId === leader?.candidateId);
    if (victim === undefined) throw new Error(`no machine leads (${JSON.stringify(leader)})`);
    await c.killFleet(victim.name);
    const other = c.nodes.find((m) => m !== victim) as NspawnMachine;
    await waitFor(
      async () => {
        const out = await other.exec('fleetctl', [
          'rollout',
          'status',
          'roll@.service',
          '-o',
          'json',
        ]);
        if (out.code !== 0) return false;
        return (JSON.parse(out.stdout) as { state: string }).state === 'succeeded';
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'the rollout to succeed under a new leader' },
    );
    await c.waitMachines(MACHINES, 120_000);
    await waitFor(
      async () => {
        const s = await sample(c.nodes, INSTANCES);
        return copies(s) === 6 && [...s.values()].flat().every((v) => v === '4');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'all 6 copies on version 4' },
    );
  });

  it('a global unit rolls machine by machine', async () => {
    await sh(
      node1,
      `mkdir -p /root/global && cat > /root/global/gl.service <<'UNIT'\n${globalUnit(1)}UNIT`,
    );
    expect((await fleetctl(['apply', '--wait', '/root/global'])).code).toBe(0);
    await sh(node1, `cat > /root/global/gl.service <<'UNIT'\n${globalUnit(2)}UNIT`);
    const watch = sampler(c, ['gl.service']);
    const r = await fleetctl(['apply', '--wait', '/root/global']);
    const samples = await watch.stop();
    expect(r.code).toBe(0);
    expect(Math.min(...samples.map(copies))).toBeGreaterThanOrEqual(MACHINES - 1);
    expect(samples.some((s) => versionsIn(s).size === 2)).toBe(true);
    const s = await sample(c.nodes, ['gl.service']);
    expect(s.get('gl.service')).toEqual(['2', '2', '2']);
    // One machine at a time: each copy was replaced after the one before it was healthy.
    const done = (await rollout('gl.service')).copies
      .map((x) => ({
        at: Date.parse(x.replacedAt ?? ''),
        healthy: Date.parse(x.healthySince ?? ''),
      }))
      .sort((a, b) => a.at - b.at);
    expect(done).toHaveLength(MACHINES);
    for (let i = 1; i < done.length; i++) {
      expect(done[i]?.at).toBeGreaterThanOrEqual(done[i - 1]?.healthy ?? Infinity);
    }
  });

  it('plan, then a concurrent change: apply --check-revision is refused and writes nothing', async () => {
    await sh(
      node1,
      "mkdir -p /root/more && printf '[Service]\\nExecStart=/bin/sleep infinity\\n' > /root/more/more.service",
    );
    const plan = await fleetctl(['plan', '-o', 'json', '/root/more']);
    expect(plan.code).toBe(2);
    const { revision } = JSON.parse(plan.stdout) as { revision: string };
    // Someone else changes the cluster in between.
    await c.api('node2').createUnit({
      name: 'other.service',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }],
      desiredState: 'launched',
    });
    const r = await fleetctl(['apply', '--check-revision', revision, '/root/more']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(revision);
    expect(await c.api('node2').getUnit('more.service')).toBeUndefined();
    // Planned again, it applies.
    const again = JSON.parse((await fleetctl(['plan', '-o', 'json', '/root/more'])).stdout) as {
      revision: string;
    };
    expect((await fleetctl(['apply', '--check-revision', again.revision, '/root/more'])).code).toBe(
      0,
    );
  });
});
