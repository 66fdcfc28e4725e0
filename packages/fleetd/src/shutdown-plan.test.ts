// How fleetd ends on a stop signal: a restart of its unit hands the machine over (units stay),
// anything else drains as configured; a restart into another machine drains too.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConfig, type FleetdConfig } from './config.js';
import { MIN_HAND_OVER_SECONDS, planShutdown, readNextStart } from './shutdown-plan.js';

const ID = 'a1000000000000000000000000000001';
const config = (flags: Record<string, string> = {}): FleetdConfig =>
  buildConfig({ flags: { etcd_key_prefix: '/fleet/', ...flags } }).config;
const running = { config: config(), machineId: ID };
const same = { config: config({ metadata: 'role=new', verbosity: '1' }), machineId: ID };

describe('planShutdown', () => {
  it.each(['restart', 'try-restart'])(
    'hands over on a %s job of its unit when the next start is the same machine',
    (job) => {
      expect(planShutdown(job, running, same)).toEqual({
        kind: 'hand-over',
        seconds: MIN_HAND_OVER_SECONDS,
        why: `systemd job ${job}`,
      });
    },
  );

  it('keeps the hand-over lease at least as long as agent_ttl', () => {
    const slow = { config: config({ agent_ttl: '90s' }), machineId: ID };
    expect(planShutdown('restart', slow, slow)).toMatchObject({ kind: 'hand-over', seconds: 90 });
  });

  it.each([
    [undefined, 'no systemd job'],
    ['stop', 'systemd job stop'],
    ['start', 'systemd job start'],
    ['reload', 'systemd job reload'],
  ])(
    'drains as configured on job %s (systemctl stop, poweroff, a signal from outside)',
    (job, why) => {
      expect(planShutdown(job, running, same)).toEqual({ kind: 'stop', why });
    },
  );

  it.each([
    [{ etcd_key_prefix: '/other/' }, 'etcdKeyPrefix'],
    [{ units_directory: '/run/fleet/other' }, 'unitsDirectory'],
    [{ systemd_user: 'true' }, 'systemdUser'],
  ])('drains on a restart into changed options %j', (flags, option) => {
    const next = { config: config(flags), machineId: ID };
    expect(planShutdown('restart', running, next)).toEqual({
      kind: 'stop',
      why: `restart with changed options: ${option}`,
    });
  });

  it('drains on a restart as another machine ID, or with a configuration it cannot read', () => {
    const other = { config: config(), machineId: 'b2000000000000000000000000000002' };
    expect(planShutdown('restart', running, other)).toEqual({
      kind: 'stop',
      why: 'restart as another machine ID (b2000000000000000000000000000002)',
    });
    expect(planShutdown('try-restart', running, { error: 'bad agent_ttl' })).toEqual({
      kind: 'stop',
      why: 'restart, but the next configuration is unusable: bad agent_ttl',
    });
  });
});

describe('readNextStart', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetd-next-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the configuration and the machine ID it names', async () => {
    await writeFile(join(dir, 'machine-id'), `${ID}\n`);
    const c = config({ machine_id_file: join(dir, 'machine-id') });
    expect(await readNextStart(() => Promise.resolve(c))).toEqual({ config: c, machineId: ID });
  });

  it('names what it could not read, without throwing', async () => {
    const c = config({ machine_id_file: join(dir, 'missing') });
    expect(await readNextStart(() => Promise.resolve(c))).toEqual({
      error: expect.stringContaining(join(dir, 'missing')) as unknown,
    });
    expect(await readNextStart(() => Promise.reject(new Error('bad agent_ttl')))).toEqual({
      error: 'bad agent_ttl',
    });
  });
});
