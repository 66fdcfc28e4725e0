// `-o json` on every command that prints something: one JSON document on stdout, the same
// result object per unit for the commands that act on units (output/results.ts), warnings and
// errors still as lines on stderr, and one line for an --output that is neither text nor json.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeCluster } from '../testing/fake-cluster.js';
import { Harness, M1, M2 } from '../testing/harness.js';
import { VERSION } from '../version.js';

const HELLO = '[Unit]\nDescription=hello\n\n[Service]\nExecStart=/bin/sleep 1000\n';
const GLOBAL = '[Service]\nExecStart=/bin/sleep 1000\n\n[X-Fleet]\nGlobal=true\n';

let h: Harness;
let cluster: FakeCluster | undefined;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.machine(M2);
  await h.file('hello.service', HELLO);
  await h.file('other.service', HELLO);
  await h.file('all.service', GLOBAL);
});
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  await h.close();
});

function runCluster(place?: (name: string) => boolean): void {
  cluster = new FakeCluster(h, {
    machines: [M1.id, M2.id],
    ...(place === undefined
      ? {}
      : { place: (u, ms) => (place(u.name) ? ms[0] : undefined), reason: 'no machine fits' }),
  });
  cluster.start();
}

const result = (unit: string, fields: Record<string, unknown>) => ({
  unit,
  ok: true,
  state: null,
  machines: [],
  waited: false,
  error: null,
  ...fields,
});

async function json(args: string[]): Promise<{ code: number; value: unknown; stderr: string }> {
  const r = await h.fleetctl(args);
  return { code: r.code, value: JSON.parse(r.stdout) as unknown, stderr: r.stderr };
}

describe('-o json of the commands that act on units', () => {
  it('start: one object per unit, in the order given, with the machine it runs on', async () => {
    runCluster();
    const r = await json(['start', '-o', 'json', 'other.service', 'hello.service', 'all']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      value: [
        result('other.service', { state: 'launched', machines: [M1.id], waited: true }),
        result('hello.service', { state: 'launched', machines: [M1.id], waited: true }),
        result('all.service', { state: 'launched' }),
      ],
    });
  });

  it('start: a unit that cannot be scheduled is ok=false with the reason; stderr keeps its line', async () => {
    runCluster((name) => name !== 'other.service');
    const r = await json([
      'start',
      '--output=json',
      '--block-attempts=1',
      'hello.service',
      'other.service',
    ]);
    expect(r.code).toBe(1);
    const [hello, other] = r.value as Record<string, unknown>[];
    expect(hello).toEqual(
      result('hello.service', { state: 'launched', machines: [M1.id], waited: true }),
    );
    expect(other).toMatchObject({ unit: 'other.service', ok: false, waited: true });
    expect(other?.error).toMatch(/^timed out waiting for unit other\.service.*no machine fits/);
    expect(r.stderr).toBe(`Error waiting for units: ${String(other?.error)}\n`);
  });

  it('start --no-block and submit: not waited on / waited for inactive', async () => {
    const started = await json(['start', '--no-block', '-o', 'json', 'hello.service']);
    expect(started.value).toEqual([result('hello.service', { state: 'launched' })]);
    const submitted = await json(['submit', '-o', 'json', 'other.service', 'hello.service']);
    expect(submitted).toEqual({
      code: 0,
      stderr: '',
      value: [
        result('other.service', { state: 'inactive', waited: true }),
        // already in the cluster: left as it is
        result('hello.service', {}),
      ],
    });
  });

  it('stop, unload, destroy, restart and load', async () => {
    runCluster();
    await h.fleetctl(['start', 'hello.service']);
    expect(await json(['stop', '-o', 'json', 'hello.service', 'nope.service'])).toEqual({
      code: 1,
      stderr: 'Unit nope.service does not exist.\nSuccessfully stopped units [hello.service].\n',
      value: [
        result('hello.service', { state: 'loaded', machines: [M1.id], waited: true }),
        result('nope.service', { ok: false, error: 'Unit nope.service does not exist.' }),
      ],
    });
    expect((await json(['restart', '-o', 'json', 'hello.service'])).value).toEqual([
      result('hello.service', { state: 'launched', machines: [M1.id], waited: true }),
    ]);
    expect((await json(['load', '-o', 'json', 'hello.service'])).value).toEqual([
      result('hello.service', { state: 'loaded', machines: [M1.id], waited: true }),
    ]);
    expect((await json(['unload', '-o', 'json', 'hello.service'])).value).toEqual([
      result('hello.service', { state: 'inactive', waited: true }),
    ]);
    expect(await json(['destroy', '-o', 'json', 'hello.service'])).toEqual({
      code: 0,
      stderr: '',
      value: [result('hello.service', { state: 'destroyed', waited: true })],
    });
  });

  it('without -o json the text lines are unchanged', async () => {
    runCluster();
    const r = await h.fleetctl(['start', '-o', 'text', 'hello.service']);
    expect(r.stdout).toBe('Unit hello.service launched on c31e44e1.../127.0.0.1\n');
  });
});

describe('-o json of cat, version and verify', () => {
  it('cat: the unit as options and as text', async () => {
    await h.fleetctl(['submit', 'hello.service']);
    const r = await json(['cat', '-o', 'json', 'hello']);
    expect(r).toEqual({
      code: 0,
      stderr: '',
      value: {
        unit: 'hello.service',
        options: [
          { section: 'Unit', name: 'Description', value: 'hello' },
          { section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' },
        ],
        text: (await h.fleetctl(['cat', 'hello'])).stdout,
      },
    });
  });

  it('version: the client version', async () => {
    expect(await json(['version', '-o', 'json'])).toEqual({
      code: 0,
      stderr: '',
      value: { fleetctl: VERSION },
    });
  });

  it('verify takes -o json and still says it is deprecated (exit 2, nothing on stdout)', async () => {
    const r = await h.fleetctl(['verify', '-o', 'json', 'hello.service']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/DEPRECATED/);
  });
});

describe('a bad --output value', () => {
  it.each([
    [['start', '-o', 'yaml', 'hello.service'], 'text'],
    [['destroy', '--output=yaml', 'hello.service'], 'text'],
    [['cat', '-o', 'yaml', 'hello.service'], 'text'],
    [['version', '-o', 'yaml'], 'text'],
    [['plan', '-o', 'yaml', 'hello.service'], 'text'],
    [['list-units', '-o', 'yaml'], 'table'],
    [['events', '-o', 'yaml'], 'table'],
  ])('%j: one line, exit 1', async (args, human) => {
    expect(await h.fleetctl(args)).toEqual({
      code: 1,
      stdout: '',
      stderr: `Invalid output format "yaml" (expected ${human} or json)\n`,
    });
  });
});
