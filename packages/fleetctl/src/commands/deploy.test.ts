// `fleetctl plan` and `fleetctl apply` against the API over an in-memory registry: files and
// directories read as submit reads them, the plan printed for people and as JSON, exit codes CI
// branches on, --check-revision refused after a concurrent change, and --wait.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiHandler } from '@fleet/api';
import type { Plan, WireRolloutRecords as RolloutHistory, WireRolloutState } from '@fleet/client';

/** What a rollout record carries besides the fields a test sets. */
const RECORD_REST = {
  policy: { maxParallel: 1, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: true },
  copies: [],
  startedAt: '2026-12-04T00:00:00.000Z',
  updatedAt: '2026-12-04T00:00:00.000Z',
  revision: '1',
};
import { waitFor } from '@fleet/testkit';
import { parseUnitFile, unitHash } from '@fleet/unit';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, M1, M2 } from '../testing/harness.js';

const unitText = (cmd: string) => `[Unit]\nDescription=${cmd}\n\n[Service]\nExecStart=${cmd}\n`;
const hashOf = (cmd: string) => unitHash(parseUnitFile(Buffer.from(unitText(cmd))));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A harness whose API answers GET /fleet/x/rollouts/* with `rollouts` (404 while undefined). */
async function withRollouts(): Promise<{ h: Harness; set: (r: RolloutHistory) => void }> {
  let rollouts: RolloutHistory | undefined;
  const wrap =
    (api: ApiHandler): ApiHandler =>
    (req, res) => {
      if (req.method !== 'GET' || !(req.url ?? '').startsWith('/fleet/x/rollouts/')) {
        api(req, res);
        return;
      }
      const body = JSON.stringify(rollouts ?? { error: { code: 404, message: 'no rollout' } });
      res.writeHead(rollouts === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(body);
    };
  h = await Harness.start(wrap);
  return { h, set: (r) => (rollouts = r) };
}

async function start(): Promise<Harness> {
  h = await Harness.start();
  return h;
}

describe('fleetctl plan', () => {
  it('reads a directory: unit files, instances as symlinks to their template', async () => {
    const h = await start();
    await h.file('units/web@.service', unitText('/bin/web'));
    await h.file('units/db.service', unitText('/bin/db'));
    await h.file('units/README.md', 'not a unit');
    await symlink('web@.service', join(h.dir, 'units/web@1.service'));
    const r = await h.fleetctl(['plan', 'units']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      '+ create db.service (launched)\n' +
        '+ create web@.service (inactive)\n' +
        '+ create web@1.service (launched)\n' +
        'Plan: 3 to create, 0 to replace, 0 to start, 0 to destroy, 0 unchanged.\n' +
        'revision 0\n',
    );
    expect(r.code).toBe(2);
    expect((await h.registry.listUnits()).items).toEqual([]);
  });

  it('reads an instance given as a file that does not exist from its template, as submit', async () => {
    const h = await start();
    await h.file('web@.service', unitText('/bin/web'));
    const r = await h.fleetctl(['plan', '-o', 'json', 'web@2.service', 'web@3']);
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout) as Plan;
    expect(plan.changes).toEqual([
      { action: 'create', name: 'web@2.service', desiredState: 'launched' },
      { action: 'create', name: 'web@3.service', desiredState: 'launched' },
    ]);
  });

  it('shows replace with a diff, start and destroy with --prune; exit 0 once applied', async () => {
    const h = await start();
    await h.registry.createUnit({
      name: 'web.service',
      options: parseUnitFile(Buffer.from(unitText('/bin/web --v1'))),
      desiredState: 'launched',
    });
    await h.registry.createUnit({
      name: 'db.service',
      options: parseUnitFile(Buffer.from(unitText('/bin/db'))),
      desiredState: 'loaded',
    });
    await h.registry.createUnit({
      name: 'old.service',
      options: parseUnitFile(Buffer.from(unitText('/bin/old'))),
      desiredState: 'launched',
    });
    await h.file('u/web.service', unitText('/bin/web --v2'));
    await h.file('u/db.service', unitText('/bin/db'));
    const epoch = await h.registry.unitEpoch();
    const r = await h.fleetctl(['plan', '--prune', 'u']);
    expect(r.stdout).toBe(
      '> start db.service (loaded -> launched)\n' +
        '- destroy old.service\n' +
        '~ replace web.service\n' +
        '    --- web.service (cluster)\n' +
        '    +++ web.service (files)\n' +
        '    @@ -1,5 +1,5 @@\n' +
        '     [Unit]\n' +
        '    -Description=/bin/web --v1\n' +
        '    +Description=/bin/web --v2\n' +
        '     \n' +
        '     [Service]\n' +
        '    -ExecStart=/bin/web --v1\n' +
        '    +ExecStart=/bin/web --v2\n' +
        'Plan: 0 to create, 1 to replace, 1 to start, 1 to destroy, 0 unchanged.\n' +
        `revision ${epoch}\n`,
    );
    expect(r.code).toBe(2);
    // Coloured on a terminal only.
    expect(r.stdout).not.toContain('\x1b[');

    const applied = await h.fleetctl(['apply', '--prune', 'u']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(
      'Applied: 0 created, 1 replaced, 1 started, 1 destroyed, 0 unchanged.\n',
    );
    const again = await h.fleetctl(['plan', '--prune', 'u']);
    expect(again.stdout).toBe(
      'No changes: 0 to create, 0 to replace, 0 to start, 0 to destroy, 2 unchanged.\n' +
        `revision ${await h.registry.unitEpoch()}\n`,
    );
    expect(again.code).toBe(0);
  });

  it('fails with one line and exit 1 for bad input', async () => {
    const h = await start();
    await h.file(
      'bad.service',
      '[Service]\nExecStart=/bin/x\n[X-Fleet]\nGlobal=true\nMachineID=abc\n',
    );
    const cases: [string[], string][] = [
      [['plan', 'missing.service'], 'unit file missing.service not found\n'],
      [['plan'], 'No unit files or directories given\n'],
      [
        ['plan', '-o', 'yaml', 'bad.service'],
        'Invalid output format "yaml" (expected text or json)\n',
      ],
      [
        ['plan', 'bad.service'],
        'Error planning: unit "bad.service": invalid unit options: MachineID cannot be used with Global\n',
      ],
      [
        ['apply', '--check-revision', 'latest', 'bad.service'],
        '--check-revision must be a revision (digits), got "latest"\n',
      ],
      [
        ['apply', '--wait', '--wait-timeout', 'soon', 'bad.service'],
        '--wait-timeout must be a duration such as 90s, 10m or 1h30m, got "soon"\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const r = await h.fleetctl(args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([1, stderr]);
    }
    expect(await h.registry.unitEpoch()).toBe('0');
  });
});

describe('fleetctl apply', () => {
  it('is idempotent: a second apply changes nothing and plan then exits 0', async () => {
    const h = await start();
    await h.file('u/web@.service', unitText('/bin/web'));
    await symlink('web@.service', join(h.dir, 'u/web@1.service'));
    const first = await h.fleetctl(['apply', '-o', 'json', 'u']);
    expect(first.code).toBe(0);
    const plan = JSON.parse(first.stdout) as Plan;
    expect(plan).toMatchObject({ changed: true, revision: await h.registry.unitEpoch() });
    const second = await h.fleetctl(['apply', 'u']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      'No changes: 0 created, 0 replaced, 0 started, 0 destroyed, 2 unchanged.\n' +
        `revision ${plan.revision}\n`,
    );
    expect(await h.registry.unitEpoch()).toBe(plan.revision);
    expect((await h.fleetctl(['plan', 'u'])).code).toBe(0);
  });

  it('refuses --check-revision after a concurrent change, writing nothing', async () => {
    const h = await start();
    await h.file('web.service', unitText('/bin/web'));
    const planned = JSON.parse(
      (await h.fleetctl(['plan', '-o', 'json', 'web.service'])).stdout,
    ) as Plan;
    await h.registry.createUnit({
      name: 'other.service',
      options: parseUnitFile(Buffer.from(unitText('/bin/other'))),
      desiredState: 'launched',
    });
    const now = await h.registry.unitEpoch();
    const r = await h.fleetctl(['apply', '--check-revision', planned.revision, 'web.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error applying: the cluster's units changed since revision ${planned.revision} ` +
        `(last change at revision ${now}): plan again\n`,
    );
    expect(await h.registry.getUnit('web.service')).toBeUndefined();
    expect(await h.registry.unitEpoch()).toBe(now);
    const ok = await h.fleetctl(['apply', '--check-revision', now, 'web.service']);
    expect(ok.code).toBe(0);
  });
});

describe('fleetctl apply --wait', () => {
  it('without rollouts: waits until every copy is active with the new hash', async () => {
    const h = await start();
    await h.machine(M1);
    await h.file('web.service', unitText('/bin/web'));
    const run = h.fleetctl(['apply', '--wait', 'web.service']);
    await waitFor(async () => (await h.registry.getUnit('web.service')) !== undefined, {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'the unit to be applied',
    });
    await h.publish('web.service', M1.id, { activeState: 'active' });
    const r = await run;
    expect([r.code, r.stderr]).toEqual([
      0,
      'All changes are live: 1 units active with their new version.\n',
    ]);
  });

  it('fails on a copy failed with the new version, and on the timeout, with the reason', async () => {
    const h = await start();
    await h.machine(M1);
    await h.file('web.service', unitText('/bin/web'));
    const timedOut = await h.fleetctl(['apply', '--wait', '--wait-timeout', '0s', 'web.service']);
    expect([timedOut.code, timedOut.stderr]).toEqual([
      1,
      'Error: timed out after 0s: web.service is not running anywhere yet\n',
    ]);
    // Active, but with the old version: not live.
    await h.publish('web.service', M1.id, { activeState: 'active' });
    await h.file('web.service', unitText('/bin/web --v2'));
    const old = await h.fleetctl(['apply', '--wait', '--wait-timeout', '0s', 'web.service']);
    expect([old.code, old.stderr]).toEqual([
      1,
      `Error: timed out after 0s: web.service on machine ${M1.id} is the old version\n`,
    ]);
    await h.file('web.service', unitText('/bin/web --v3'));
    const run = h.fleetctl(['apply', '--wait', 'web.service']);
    await waitFor(
      async () => (await h.registry.getUnit('web.service'))?.hash === hashOf('/bin/web --v3'),
      {
        timeoutMs: 10_000,
        intervalMs: 5,
        what: 'the unit to be replaced',
      },
    );
    await h.publish('web.service', M1.id, { activeState: 'failed' });
    const r = await run;
    expect([r.code, r.stderr]).toEqual([1, `Error: web.service failed on machine ${M1.id}\n`]);
  });

  it('follows the rollout the apply started: rolled back is a failure with its reason', async () => {
    const { h, set } = await withRollouts();
    await h.machine(M1);
    await h.machine(M2);
    await h.file('u/web@.service', unitText('/bin/web --v1'));
    await symlink('web@.service', join(h.dir, 'u/web@1.service'));
    await symlink('web@.service', join(h.dir, 'u/web@2.service'));
    expect((await h.fleetctl(['apply', 'u'])).code).toBe(0);
    const v1 = hashOf('/bin/web --v1');
    const v2 = hashOf('/bin/web --v2');
    const record = (id: number, state: WireRolloutState, toHash: string, reason?: string) => ({
      ...RECORD_REST,
      group: 'web@.service',
      id,
      state,
      fromHash: v1,
      toHash,
      units: ['web@1.service', 'web@2.service'],
      ...(reason === undefined ? {} : { reason }),
    });
    // An older rollout to v2, rolled back before this apply, is not this apply's.
    set({ current: null, history: [record(3, 'rolled-back', v2, 'old news')] });
    await h.file('u/web@.service', unitText('/bin/web --v2'));
    const run = h.fleetctl(['apply', '--wait', 'u']);
    await waitFor(async () => (await h.registry.getUnit('web@1.service'))?.hash === v2, {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'the instances to be replaced',
    });
    set({
      current: record(4, 'rolled-back', v2, 'web@2.service on m2: health check failing: HTTP 500'),
      history: [record(3, 'rolled-back', v2, 'old news')],
    });
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'web@.service: rollout 4 rolled-back\n' +
        'Error: rollout 4 of web@.service rolled-back: web@2.service on m2: health check failing: HTTP 500\n',
    );
  });

  it('follows the rollout the apply started: succeeded, with every copy active', async () => {
    const { h, set } = await withRollouts();
    await h.machine(M1);
    await h.file('web.service', unitText('/bin/web --v1'));
    expect((await h.fleetctl(['apply', 'web.service'])).code).toBe(0);
    const v2 = hashOf('/bin/web --v2');
    await h.file('web.service', unitText('/bin/web --v2'));
    const rec = {
      ...RECORD_REST,
      group: 'web.service',
      id: 1,
      fromHash: '',
      toHash: v2,
      units: ['web.service'],
    };
    let stderr = '';
    const run = h.fleetctl(['apply', '--wait', 'web.service'], {
      onStderr: (text) => (stderr += text),
    });
    await waitFor(async () => (await h.registry.getUnit('web.service'))?.hash === v2, {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'the unit to be replaced',
    });
    // The engine opens the rollout before any copy runs the new version (it holds them until it
    // releases them): the copy is published only once apply has seen the rollout (a poll that
    // read no rollout yet and then the new copy active would rightly end the wait). Every copy is
    // then new, but the rollout runs until it has seen them healthy long enough.
    set({ current: { ...rec, state: 'running' }, history: [] });
    await waitFor(() => stderr.includes('rollout 1 running'), {
      timeoutMs: 10_000,
      intervalMs: 5,
      what: 'apply to see the rollout running',
    });
    await h.publish('web.service', M1.id, { activeState: 'active' });
    set({ current: { ...rec, state: 'succeeded' }, history: [] });
    const r = await run;
    expect([r.code, r.stderr]).toEqual([
      0,
      'web.service: rollout 1 running\n' +
        'web.service: rollout 1 succeeded\n' +
        'All changes are live: 1 units active with their new version.\n',
    ]);
  });
});
