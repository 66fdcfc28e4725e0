// The agent runs a unit's health check while the unit is active and publishes the result with the
// unit's state when its status changes: FakeSystemd, InMemoryRegistry, a manual clock, and real
// check processes and a real HTTP server on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UnitHealth, UnitState } from '@fleet/registry';
import { ManualClock, silentLogger } from '@fleet/runtime';
import type { FakeSystemd } from '@fleet/systemd';
import type { UnitOption } from '@fleet/unit';
import { waitFor } from '@fleet/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HealthChecks } from './health-checks.js';
import { activeState, AgentBench } from './testing/index.js';

const UNIT = 'web.service';

const withCheck = (xfleet: Record<string, string>): UnitOption[] => [
  { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
  ...Object.entries(xfleet).map(([name, value]) => ({ section: 'X-Fleet', name, value })),
];

/** Whether process `pid` is gone (not even a zombie holds its ID any more). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe('Agent: health checks of active units', () => {
  let bench: AgentBench;
  let sd: FakeSystemd;
  let dir: string;
  beforeEach(async () => {
    bench = await AgentBench.create();
    sd = bench.systemd();
    dir = await mkdtemp(join(tmpdir(), 'fleet-health-'));
  });
  afterEach(async () => {
    await bench.close();
    await rm(dir, { recursive: true, force: true });
  });

  const stateOf = async (): Promise<UnitState | undefined> =>
    (await bench.registry.listUnitStates({ unitName: UNIT })).items[0];
  const runsIn = (file: string): number =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
  /**
   * Lets time pass on the manual clock, a little per real turn, until `cond` holds: the checks
   * are real processes, so they need real time to finish (their timeouts here are far off).
   */
  const until = (cond: () => boolean | Promise<boolean>, what: string) =>
    waitFor(
      async () => {
        if (await cond()) return true;
        await bench.advance(100, 50);
        return false;
      },
      { timeoutMs: 20_000, intervalMs: 5, what },
    );

  it('publishes failing, then passing once the file appears: each status once, not every check', async () => {
    const ok = join(dir, 'ok');
    const count = join(dir, 'runs');
    bench.agent({ systemd: sd });
    await bench.assignOptions(
      UNIT,
      withCheck({
        HealthCheckCommand: `/bin/sh -c "echo run >> ${count}; echo checking >&2; test -e ${ok}"`,
        HealthCheckIntervalSec: '1',
        HealthCheckTimeoutSec: '600',
      }),
    );
    await until(async () => (await stateOf())?.health?.status === 'failing', 'failing');
    const failing = await stateOf();
    expect(failing?.health).toEqual({
      status: 'failing',
      output: 'checking',
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    const seen = runsIn(count);
    await until(() => runsIn(count) >= seen + 3, 'three more checks');
    expect((await stateOf())?.revision).toBe(failing?.revision); // no change: nothing written

    await writeFile(ok, '');
    await until(async () => (await stateOf())?.health?.status === 'passing', 'passing');
    const passing = await stateOf();
    expect(passing?.health?.output).toBe('checking');
    const now = runsIn(count);
    await until(() => runsIn(count) >= now + 3, 'three more checks');
    expect((await stateOf())?.revision).toBe(passing?.revision);
  });

  it('stops checking a unit that stops, and its state loses its health; a new hash gets its own check', async () => {
    const count = join(dir, 'runs');
    bench.agent({ systemd: sd });
    const options = withCheck({
      HealthCheckCommand: `/bin/sh -c "echo run >> ${count}; exit 3"`,
      HealthCheckIntervalSec: '1',
      HealthCheckTimeoutSec: '600',
    });
    await bench.assignOptions(UNIT, options);
    await until(async () => (await stateOf())?.health?.status === 'failing', 'failing');
    expect((await stateOf())?.health?.output).toBe('exit status 3');

    await bench.assignOptions(UNIT, options, 'loaded');
    await until(async () => (await stateOf())?.activeState === 'inactive', 'the unit stopped');
    expect((await stateOf())?.health).toBeUndefined();
    const runs = runsIn(count);
    await bench.advance(10_000, 100);
    expect(runsIn(count)).toBe(runs);

    const second = join(dir, 'second');
    await bench.assignOptions(
      UNIT,
      withCheck({
        HealthCheckCommand: `/bin/sh -c "echo run >> ${second}"`,
        HealthCheckIntervalSec: '1',
      }),
    );
    await until(async () => (await activeState(sd, UNIT)) === 'active', 'the new content active');
    await until(async () => (await stateOf())?.health?.status === 'passing', 'the new check');
    expect(runsIn(count)).toBe(runs);
  });

  it('stops checking a unit unassigned from the machine', async () => {
    const count = join(dir, 'runs');
    bench.agent({ systemd: sd });
    await bench.assignOptions(
      UNIT,
      withCheck({
        HealthCheckCommand: `/bin/sh -c "echo run >> ${count}"`,
        HealthCheckIntervalSec: '1',
        HealthCheckTimeoutSec: '600',
      }),
    );
    await until(async () => (await stateOf())?.health?.status === 'passing', 'passing');
    await bench.unschedule(UNIT);
    await until(async () => (await stateOf()) === undefined, 'the state removed');
    await until(async () => (await activeState(sd, UNIT)) !== 'active', 'the unit stopped');
    const runs = runsIn(count);
    await bench.advance(10_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a check wrongly started would write
    expect(runsIn(count)).toBe(runs);
  });

  it('GETs a URL: 2xx/3xx pass, others fail, with the status line as output', async () => {
    let code = 503;
    const server: Server = createServer((_req, res) => {
      res.statusCode = code;
      res.end('body');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      bench.agent({ systemd: sd });
      await bench.assignOptions(
        UNIT,
        withCheck({
          HealthCheckURL: `http://127.0.0.1:${port}/healthz`,
          HealthCheckIntervalSec: '1',
          HealthCheckTimeoutSec: '600',
        }),
      );
      await until(async () => (await stateOf())?.health?.status === 'failing', 'failing');
      expect((await stateOf())?.health?.output).toBe('HTTP 503 Service Unavailable');
      code = 302;
      await until(async () => (await stateOf())?.health?.status === 'passing', 'passing');
      expect((await stateOf())?.health?.output).toBe('HTTP 302 Found');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('kills the check and what it started at the timeout, and fails it', async () => {
    const pidFile = join(dir, 'pid');
    bench.agent({ systemd: sd });
    await bench.assignOptions(
      UNIT,
      withCheck({
        // The shell starts a child and waits: the timeout must kill the whole process group.
        HealthCheckCommand: `/bin/sh -c "sleep 1000 & echo $! > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; wait"`,
        // Far beyond the fake time the unit takes to start: the check starts well before it.
        HealthCheckTimeoutSec: '60',
      }),
    );
    // The agent sees the unit active only as time passes; the check then runs (in real time).
    await until(() => existsSync(pidFile), 'the check to start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(gone(pid)).toBe(false);
      await bench.advance(60_000, 1_000);
      await waitFor(() => gone(pid), { timeoutMs: 10_000, what: "the check's child to be killed" });
    } finally {
      if (!gone(pid)) process.kill(pid, 'SIGKILL'); // the test failed: leave nothing running
    }
    await until(async () => (await stateOf())?.health !== undefined, 'a result');
    expect((await stateOf())?.health).toMatchObject({
      status: 'failing',
      output: 'timed out after 60 s',
    });
  });
});

describe('HealthChecks.close', () => {
  it('ends the timers and kills the checks in flight; their results are dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-health-'));
    try {
      const clock = new ManualClock();
      const pidFile = join(dir, 'pid');
      const options = withCheck({
        HealthCheckCommand: `/bin/sh -c "echo $$ > ${pidFile}.tmp; mv ${pidFile}.tmp ${pidFile}; exec sleep 1000"`,
      });
      const results: (UnitHealth | undefined)[] = [];
      const checks = new HealthChecks({
        clock,
        log: silentLogger,
        store: { getContentsMany: async (hashes) => new Map(hashes.map((h) => [h, options])) },
        onHealth: (_unit, _hash, health) => results.push(health),
      });
      const hash = 'c'.repeat(40);
      checks.observe(UNIT, { load: 'loaded', active: 'active', sub: 'running', hash });
      await waitFor(() => existsSync(pidFile), { timeoutMs: 20_000, what: 'the check to start' });
      const pid = Number(readFileSync(pidFile, 'utf8'));
      try {
        expect(clock.pendingTimers).toBe(1); // its timeout
        await checks.close();
        await waitFor(() => gone(pid), { timeoutMs: 10_000, what: 'the check to be killed' });
      } finally {
        if (!gone(pid)) process.kill(pid, 'SIGKILL'); // the test failed: leave nothing running
      }
      expect(clock.pendingTimers).toBe(0);
      expect(checks.units()).toEqual([]);
      clock.advance(60_000);
      checks.observe(UNIT, { load: 'loaded', active: 'active', sub: 'running', hash });
      expect(checks.units()).toEqual([]);
      expect(results).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
