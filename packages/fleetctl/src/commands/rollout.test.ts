// fleetctl rollout ... against a real API over InMemoryRegistry: exact text, JSON, errors, and
// --watch following a rollout that the test moves on at each poll.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RolloutInput } from '@fleet/registry';
import { unitHash, type UnitOption } from '@fleet/unit';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';
import { Harness, M1, M2 } from '../testing/harness.js';
import { Capture, input } from '../testing/streams.js';

const V1: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/web --v1' }];
const V2: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/web --v2' }];
const H1 = unitHash(V1);
const H2 = unitHash(V2);

function record(extra: Partial<RolloutInput> = {}): RolloutInput {
  return {
    group: 'web@.service',
    id: 3,
    state: 'running',
    fromHash: H1,
    toHash: H2,
    units: ['web@1.service', 'web@2.service'],
    policy: { maxParallel: 1, minHealthySec: 10, healthyDeadlineSec: 300, autoRevert: false },
    copies: [
      {
        unit: 'web@1.service',
        machineId: M1.id,
        phase: 'done',
        replacedAt: '2026-12-04T10:00:00Z',
        healthySince: '2026-12-04T10:00:05Z',
      },
      { unit: 'web@2.service', machineId: M2.id, phase: 'pending' },
    ],
    startedAt: '2026-12-04T10:00:00Z',
    updatedAt: '2026-12-04T10:00:05Z',
    ...extra,
  };
}

let h: Harness;
afterEach(() => h.close());

async function put(extra: Partial<RolloutInput> = {}): Promise<void> {
  await h.registry.putRollout(await h.leader(), record(extra));
}

const STATUS =
  'Group:    web@.service\n' +
  'Rollout:  3\n' +
  'State:    running\n' +
  `Version:  ${H1.slice(0, 7)} -> ${H2.slice(0, 7)}\n` +
  'Progress: 1/2 done\n' +
  '\n' +
  'UNIT\t\tMACHINE\t\tPHASE\tSINCE\n' +
  'web@1.service\tc31e44e1...\tdone\t2026-12-04T10:00:05Z\n' +
  'web@2.service\td4f0a2b3...\tpending\t-\n';

describe('rollout status', () => {
  it('shows the current rollout of the group of any unit of it', async () => {
    h = await Harness.start();
    await put();
    for (const name of ['web@.service', 'web@2.service']) {
      expect(await h.fleetctl(['rollout', 'status', name])).toEqual({
        code: 0,
        stdout: STATUS,
        stderr: '',
      });
    }
    const json = await h.fleetctl(['rollout', 'status', 'web@.service', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ...record(), revision: expect.any(String) });
  });

  it('shows the last finished rollout when none runs, with its reason; fails for a group never rolled out', async () => {
    h = await Harness.start();
    await put({ state: 'failed', reason: 'web@2.service on m2: failed', finishedAt: 'T9' });
    await h.registry.finishRollout(await h.leader(), 'web@.service');
    const r = await h.fleetctl(['rollout', 'status', 'web@1.service']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('State:    failed\n');
    expect(r.stdout).toContain('Reason:   web@2.service on m2: failed\n');
    expect(await h.fleetctl(['rollout', 'status', 'db.service'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'db.service has never been rolled out\n',
    });
  });

  it('refuses a bad command line with one line', async () => {
    h = await Harness.start();
    const cases: [string[], string][] = [
      [['rollout'], 'rollout needs an action: status, history, undo, pause, resume'],
      [
        ['rollout', 'go', 'x.service'],
        'unknown rollout action "go" (expected status, history, undo, pause, resume)',
      ],
      [['rollout', 'status'], 'rollout status needs a NAME'],
      [['rollout', 'history', 'a.service', '--watch'], '--watch only goes with rollout status'],
      [
        ['rollout', 'status', 'a.service', '-o', 'yaml'],
        'Invalid output format "yaml" (expected table or json)',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await h.fleetctl(argv);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('rollout history', () => {
  it('lists the current and the finished rollouts, newest first', async () => {
    h = await Harness.start();
    await put({ id: 1, state: 'succeeded', finishedAt: 'T1', fromHash: H2, toHash: H1 });
    await h.registry.finishRollout(await h.leader(), 'web@.service');
    await put({ id: 2, state: 'paused', reason: 'paused by an operator' });
    const r = await h.fleetctl(['rollout', 'history', 'web@.service']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'ID\tSTATE\t\tFROM\tTO\tPROGRESS\tSTARTED\t\t\tFINISHED\tREASON\n' +
        `2\tpaused\t\t${H1.slice(0, 7)}\t${H2.slice(0, 7)}\t1/2\t\t2026-12-04T10:00:00Z\t-\t\tpaused by an operator\n` +
        `1\tsucceeded\t${H2.slice(0, 7)}\t${H1.slice(0, 7)}\t1/2\t\t2026-12-04T10:00:00Z\tT1\t\t-\n`,
    });
    const json = JSON.parse(
      (await h.fleetctl(['rollout', 'history', 'web@1.service', '-o', 'json'])).stdout,
    );
    expect(json.map((x: { id: number }) => x.id)).toEqual([2, 1]);
  });
});

describe('rollout pause, resume and undo', () => {
  it('pauses and resumes, and says why it cannot', async () => {
    h = await Harness.start();
    await put();
    expect(await h.fleetctl(['rollout', 'pause', 'web@1.service'])).toEqual({
      code: 0,
      stdout: 'Paused rollout 3 of web@.service\n',
      stderr: '',
    });
    expect(await h.fleetctl(['rollout', 'pause', 'web@.service'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error pausing the rollout of web@.service: rollout 3 of web@.service is paused: only a running rollout can be paused\n',
    });
    const resumed = await h.fleetctl(['rollout', 'resume', 'web@.service', '-o', 'json']);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: 3, state: 'running' });
  });

  it("puts the group's units back on the version before", async () => {
    h = await Harness.start();
    for (const n of ['web@1.service', 'web@2.service']) {
      await h.registry.createUnit({ name: n, options: V1, desiredState: 'launched' });
      await h.registry.replaceUnit({ name: n, options: V2, desiredState: 'launched' });
    }
    await put({ state: 'failed', reason: 'health check failing' });
    expect(await h.fleetctl(['rollout', 'undo', 'web@2.service'])).toEqual({
      code: 0,
      stdout:
        `Rolling web@.service back from ${H2.slice(0, 7)} to ${H1.slice(0, 7)} (2 units); ` +
        'follow it with: fleetctl rollout status --watch web@.service\n',
      stderr: '',
    });
    expect((await h.registry.getUnit('web@1.service'))?.hash).toBe(H1);
    const again = await h.fleetctl(['rollout', 'undo', 'web@.service']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'Error undoing the rollout of web@.service: no earlier version of web@.service to go back to: ' +
        `no rollout went to its current version ${H1.slice(0, 7)}\n`,
    );
  });
});

/** A harness whose API moves the rollout one step on before answering each read of it. */
async function scripted(steps: (() => Promise<void>)[]): Promise<Harness> {
  const harness = await Harness.start((api) => (req: IncomingMessage, res: ServerResponse) => {
    const step =
      req.method === 'GET' && req.url?.startsWith('/fleet/x/rollouts/') ? steps.shift() : undefined;
    if (step === undefined) api(req, res);
    else void step().then(() => api(req, res));
  });
  return harness;
}

describe('rollout status --watch', () => {
  const copy2 = (phase: 'replacing' | 'done' | 'failed') => [
    record().copies[0] ?? { unit: '', machineId: '', phase },
    { unit: 'web@2.service', machineId: M2.id, phase, replacedAt: '2026-12-04T10:00:06Z' },
  ];

  it('prints a line per change until the rollout succeeds (not a terminal)', async () => {
    const steps = [
      () => put(),
      () => put({ copies: copy2('replacing') }),
      () => put({ copies: copy2('done') }),
      async () => {
        await put({ state: 'succeeded', copies: copy2('done'), finishedAt: 'T9' });
        await h.registry.finishRollout(await h.leader(), 'web@.service');
      },
    ];
    h = await scripted(steps);
    const r = await h.fleetctl(['rollout', 'status', '--watch', 'web@.service']);
    const v = `${H1.slice(0, 7)}->${H2.slice(0, 7)}`;
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        `web@.service rollout 3 running ${v} 1/2 done\n` +
        `web@.service rollout 3 running ${v} 2/2 done\n` +
        `web@.service rollout 3 succeeded ${v} 2/2 done\n`,
    });
  });

  it('exits 1 with the reason when the rollout fails', async () => {
    h = await scripted([
      () => put(),
      () =>
        put({
          state: 'failed',
          copies: copy2('failed'),
          reason: 'web@2.service: health check failing',
        }),
    ]);
    const r = await h.fleetctl(['rollout', 'status', '-w', 'web@.service', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { state: string }).state),
    ).toEqual(['running', 'failed']);
    expect(r.stderr).toBe(
      'rollout 3 of web@.service failed: web@2.service: health check failing\n',
    );
  });

  it('redraws the status block in place on a terminal', async () => {
    h = await scripted([() => put(), () => put({ state: 'succeeded', copies: copy2('done') })]);
    const stdout = new Capture(true);
    const code = await run(
      ['--endpoint', h.endpoint, 'rollout', 'status', '--watch', 'web@.service'],
      {
        stdin: input(''),
        stdout,
        stderr: new Capture(),
        env: {},
        pollIntervalMs: 5,
      },
    );
    expect(code).toBe(0);
    const [firstBlock, secondBlock] = stdout.text().split('\x1b[9A\r\x1b[J');
    expect(firstBlock).toBe(STATUS);
    expect(secondBlock).toContain('State:    succeeded\n');
    expect(secondBlock).toContain('Progress: 2/2 done\n');
  });
});
